package io.spillway.placement.routing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a duration as Go's {@code time.ParseDuration} writes it ({@code 2s}, {@code 1m30s}, {@code 1.5h}, {@code 0}). */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

    private GoDuration() {
    }

    /** The duration in seconds; {@code plugin} names the owner in the error. */
    static double seconds(String text, String plugin) {
        String s = text.trim();
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        Matcher m = PART.matcher(s);
        double total = 0;
        int at = 0;
        while (at < s.length() && m.find(at) && m.start() == at) {
            double v = Double.parseDouble(m.group(1));
            total += v * switch (m.group(2)) {
                case "ns" -> 1e-9;
                case "us", "µs", "μs" -> 1e-6;
                case "ms" -> 1e-3;
                case "s" -> 1;
                case "m" -> 60;
                default -> 3_600;
            };
            at = m.end();
        }
        if (s.isEmpty() || at != s.length()) {
            throw new IllegalArgumentException("plugin " + plugin + ": '" + text + "' is not a duration (Go's form:"
                + " 2s, 500ms, 1m30s)");
        }
        return negative ? -total : total;
    }
}
