package io.spillway.server;

import java.util.Locale;

/** Parses and prints byte sizes the way operators write them: {@code 4096}, {@code 512k}, {@code 512m}, {@code 4g}, {@code 1t}, {@code 16MiB}. */
public final class Sizes {
    private Sizes() {
    }

    /**
     * Parses a size in bytes; suffixes are binary ({@code k} = 1024) and case-insensitive, with an optional
     * {@code b}, {@code ib} or {@code iB} after them.
     *
     * @param name the setting being parsed, named in the error message
     */
    public static long parse(String name, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(name + " must be a size like 4096, 512m or 4g, got '" + text + "'");
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
            value = Long.parseLong(digits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a size like 4096, 512m or 4g, got '" + text + "'");
        }
        if (value < 0 || (shift > 0 && value > (Long.MAX_VALUE >> shift))) {
            throw new IllegalArgumentException(name + " must be a non-negative size that fits 63 bits, got '" + text + "'");
        }
        return value << shift;
    }

    /** A short human form: {@code 512 MiB}, {@code 4 GiB}, {@code 1536 B}. */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        long v = bytes;
        while (u < units.length - 1 && v >= 1024 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + " " + units[u];
    }
}
