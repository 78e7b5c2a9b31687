package io.spillway.config;

import java.util.Locale;

/**
 * Parses and prints byte sizes the way operators write them: {@code 4096}, {@code 64k}, {@code 512m}, {@code 4g},
 * {@code 1t}, {@code 16MiB}. Units are binary ({@code k} = 1024) and case-insensitive, optionally followed by
 * {@code b} or {@code ib}; digits may be grouped with {@code _}. Every error names the setting and the value.
 *
 * <pre>{@code
 * long capacity = Sizes.parse("spillway.cpu.capacityBytes", "4g");   // 4294967296
 * Sizes.format(capacity);                                              // "4g"
 * Sizes.exact(capacity);                                               // "4 GiB"
 * }</pre>
 */
public final class Sizes {
    static final String MALFORMED = "must be a byte count such as 1048576, 64k, 16m or 2t";
    private static final String[] SUFFIXES = {"", "k", "m", "g", "t"};
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Sizes() {
    }

    /**
     * A non-negative size in bytes.
     *
     * @param name the setting or option being parsed, named in the error message
     * @throws IllegalArgumentException naming {@code name} and {@code text} when it is not a size, negative or does
     *     not fit 63 bits
     */
    public static long parse(String name, String text) {
        if (text == null || text.isBlank()) {
            throw bad(name, text, MALFORMED);
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        int unit = s.isEmpty() ? 0 : "kmgt".indexOf(s.charAt(s.length() - 1)) + 1;
        int shift = unit * 10;
        String digits = (unit == 0 ? s : s.substring(0, s.length() - 1)).trim().replace("_", "");
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw bad(name, text, MALFORMED);
        }
        if (value < 0) {
            throw bad(name, text, "must not be negative");
        }
        if (value > (Long.MAX_VALUE >> shift)) {
            throw bad(name, text, "must be below 8 EiB");
        }
        return value << shift;
    }

    /**
     * A size in bytes within {@code [min, max]}.
     *
     * @throws IllegalArgumentException naming {@code name}, {@code text} and the bound it breaks
     */
    public static long parse(String name, String text, long min, long max) {
        long value = parse(name, text);
        if (value < min) {
            throw bad(name, text, "must be at least " + exact(min));
        }
        if (value > max) {
            throw bad(name, text, "must be at most " + exact(max));
        }
        return value;
    }

    /**
     * A size in bytes within {@code [min, max]} that fits an {@code int} (a block, a buffer).
     *
     * @throws IllegalArgumentException naming {@code name}, {@code text} and the bound it breaks
     */
    public static int parseInt(String name, String text, int min, int max) {
        return (int) parse(name, text, min, max);
    }

    /** The shortest exact form that {@link #parse} reads back: {@code 2m}, {@code 64k}, {@code 1536k}, {@code 1000}. */
    public static String format(long bytes) {
        int unit = exactUnit(bytes);
        return (bytes >> (unit * 10)) + SUFFIXES[unit];
    }

    /** The largest unit that divides exactly, for logs: {@code 512 MiB}, {@code 4 GiB}, {@code 1536 B}. */
    public static String exact(long bytes) {
        int unit = exactUnit(bytes);
        return (bytes >> (unit * 10)) + " " + UNITS[unit];
    }

    /** For people, rounded to one decimal: {@code 512 B}, {@code 64.0 KiB}, {@code 1.5 GiB}. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, UNITS[unit]);
    }

    private static int exactUnit(long bytes) {
        int unit = 0;
        while (unit < UNITS.length - 1 && bytes > 0 && (bytes & ((1L << ((unit + 1) * 10)) - 1)) == 0) {
            unit++;
        }
        return unit;
    }

    static IllegalArgumentException bad(String name, String text, String why) {
        return new IllegalArgumentException(name + " " + why + ", got '" + text + "'");
    }
}
