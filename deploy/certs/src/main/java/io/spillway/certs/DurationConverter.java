package io.spillway.certs;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A positive duration as the chart writes it: whole days, hours or minutes ({@code 90d}, {@code 2160h},
 * {@code 30m}), or ISO-8601 ({@code PT2160H}).
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("([0-9]{1,9})([dhm])");

    @Override
    public Duration convert(String value) {
        Duration d;
        Matcher m = SHORT.matcher(value);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            };
        } else {
            try {
                d = Duration.parse(value);
            } catch (RuntimeException e) {
                throw new TypeConversionException("'" + value + "' is not a duration (e.g. 90d, 2160h, 30m, PT24H)");
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new TypeConversionException("'" + value + "' is not a positive duration");
        }
        return d;
    }
}
