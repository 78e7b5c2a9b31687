package io.spillway.perf.report;

import java.util.Locale;

/** Parses and prints byte sizes the way the command line writes them: {@code 2m}, {@code 64k}, {@code 1g}, {@code 512}. */
public final class Sizes {
    private Sizes() {
    }

    /**
     * Parses a size: a non-negative integer with an optional binary suffix {@code k}, {@code m}, {@code g},
     * {@code t} (also {@code kb}, {@code kib}, ..., any case). {@code 2m} is 2 MiB = 2,097,152 bytes.
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("size must be set, e.g. 2m or 64k; got '" + text + "'");
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> shift = 0;
            }
        }
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 2m, 64k, 1g or a byte count)");
        }
        if (value < 0) {
            throw new IllegalArgumentException("size must be >= 0, got '" + text + "'");
        }
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return value << shift;
    }

    /** Parses a size that must fit an {@code int} and be positive (a block, a buffer). */
    public static int parseIntSize(String text) {
        long v = parse(text);
        if (v <= 0 || v > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("size must be in (0, 2 GiB), got '" + text + "'");
        }
        return (int) v;
    }

    /** The shortest exact form: {@code 2097152 -> "2m"}, {@code 65536 -> "64k"}, {@code 1000 -> "1000"}. */
    public static String format(long bytes) {
        String[] suffix = {"t", "g", "m", "k"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < shifts.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes >= unit && bytes % unit == 0) {
                return (bytes / unit) + suffix[i];
            }
        }
        return Long.toString(bytes);
    }

    /** For people: {@code 384.0 MiB}, {@code 2.0 GiB}, {@code 512 B}. */
    public static String human(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
