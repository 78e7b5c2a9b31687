package io.spillway.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * Typed reads of settings. An absent property reads as empty, so a builder keeps its default; a present one is
 * trimmed and parsed strictly, and a blank or malformed value is an {@link IllegalArgumentException} of the form
 * {@code <property> <requirement>, got '<value>'}, followed by {@code (from <origin>)} where the origin is known.
 *
 * <pre>{@code
 * PropertyReader r = PropertyReader.of(properties);
 * r.size("spillway.cpu.capacityBytes").ifPresent(builder::capacityBytes);
 * int connections = r.intValue("spillway.client.connections").orElse(4);
 * }</pre>
 *
 * <p>Grammar: integers may group digits with {@code _}; sizes as in {@link Sizes}; booleans are {@code true} or
 * {@code false}; enum constants and booleans in any case.
 */
public final class PropertyReader {
    private final UnaryOperator<String> values;
    private final UnaryOperator<String> origins;

    private PropertyReader(UnaryOperator<String> values, UnaryOperator<String> origins) {
        this.values = values;
        this.origins = origins;
    }

    /** Reads {@code properties}; errors name no origin. */
    public static PropertyReader of(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        return new PropertyReader(properties::getProperty, name -> null);
    }

    /** Reads {@code values}; errors end with {@code (from <origin>)}, {@code origins} naming each value's source. */
    public static PropertyReader of(Map<String, String> values, UnaryOperator<String> origins) {
        Objects.requireNonNull(values, "values");
        return new PropertyReader(values::get, Objects.requireNonNull(origins, "origins"));
    }

    /** Reads the JVM's system properties as they are at each call. */
    public static PropertyReader systemProperties() {
        return new PropertyReader(System::getProperty, name -> null);
    }

    /**
     * This reader, also reading each new name of {@code oldToNew} under its old name when the new one is absent: the
     * old name is then logged as deprecated, and errors name the new name and, as the origin, the old one.
     */
    public PropertyReader withRenamed(Map<String, String> oldToNew) {
        Map<String, String> oldOf = new HashMap<>();
        oldToNew.forEach((old, now) -> oldOf.put(now, old));
        UnaryOperator<String> fallback = name -> {
            String old = oldOf.get(name);
            return old != null && values.apply(name) == null && values.apply(old) != null ? old : null;
        };
        return new PropertyReader(name -> {
            String old = fallback.apply(name);
            if (old == null) {
                return values.apply(name);
            }
            String origin = origins.apply(old);
            System.getLogger(PropertyReader.class.getName()).log(System.Logger.Level.WARNING,
                PropertySources.deprecated(old, name, origin == null ? "properties" : origin));
            return values.apply(old);
        }, name -> {
            String old = fallback.apply(name);
            if (old == null) {
                return origins.apply(name);
            }
            String origin = origins.apply(old);
            return "deprecated name " + old + (origin == null ? "" : ", " + origin);
        });
    }

    /** The trimmed value; empty if absent. */
    public Optional<String> string(String name) {
        String v = values.apply(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v.isBlank()) {
            throw bad(name, v, "must not be empty");
        }
        return Optional.of(v.trim());
    }

    /** An {@code int}. */
    public OptionalInt intValue(String name) {
        return intValue(name, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An {@code int} within {@code [min, max]}. */
    public OptionalInt intValue(String name, int min, int max) {
        OptionalLong v = longValue(name, min, max);
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    /** A {@code long}. */
    public OptionalLong longValue(String name) {
        return longValue(name, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** A {@code long} within {@code [min, max]}. */
    public OptionalLong longValue(String name, long min, long max) {
        Optional<String> text = string(name);
        if (text.isEmpty()) {
            return OptionalLong.empty();
        }
        long n;
        try {
            n = Long.parseLong(text.get().replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(name, values.apply(name), "must be an integer");
        }
        if (n < min) {
            throw bad(name, values.apply(name), "must be at least " + min);
        }
        if (n > max) {
            throw bad(name, values.apply(name), "must be at most " + max);
        }
        return OptionalLong.of(n);
    }

    /** A decimal number such as {@code 0.25}. */
    public OptionalDouble doubleValue(String name) {
        Optional<String> text = string(name);
        if (text.isEmpty()) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(text.get()));
        } catch (NumberFormatException e) {
            throw bad(name, values.apply(name), "must be a number");
        }
    }

    /** A non-negative size in bytes, read by {@link Sizes#parse(String, String)}. */
    public OptionalLong size(String name) {
        return size(name, 0, Long.MAX_VALUE);
    }

    /** A size in bytes within {@code [min, max]}. */
    public OptionalLong size(String name, long min, long max) {
        String v = values.apply(name);
        if (v == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Sizes.parse(name, v, min, max));
        } catch (IllegalArgumentException e) {
            throw withOrigin(name, e);
        }
    }

    /** A non-negative size in bytes that fits an {@code int}. */
    public OptionalInt intSize(String name) {
        OptionalLong v = size(name, 0, Integer.MAX_VALUE);
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    /** {@code true} or {@code false}, in any case. */
    public Optional<Boolean> bool(String name) {
        return string(name).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw bad(name, values.apply(name), "must be true or false");
        });
    }

    /** A constant of {@code type} by name, in any case. */
    public <E extends Enum<E>> Optional<E> enumValue(String name, Class<E> type) {
        return string(name).map(v -> {
            try {
                return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(name, values.apply(name), "must be one of " + Arrays.toString(type.getEnumConstants()));
            }
        });
    }

    /** A file-system path. */
    public Optional<Path> path(String name) {
        return string(name).map(v -> {
            try {
                return Path.of(v);
            } catch (InvalidPathException e) {
                throw bad(name, values.apply(name), "must be a valid path (" + e.getReason() + ")");
            }
        });
    }

    private IllegalArgumentException bad(String name, String value, String why) {
        return withOrigin(name, Sizes.bad(name, value, why));
    }

    private IllegalArgumentException withOrigin(String name, IllegalArgumentException e) {
        String origin = origins.apply(name);
        return origin == null ? e : new IllegalArgumentException(e.getMessage() + " (from " + origin + ")", e);
    }
}
