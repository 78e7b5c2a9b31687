package io.spillway.server;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** Typed, validated reads of property strings; every error names the property, the value and where it came from. */
final class Settings {
    private final Map<String, String> values;
    private final Map<String, String> origins;

    Settings(Map<String, String> values, Map<String, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    String text(String key) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            throw bad(key, "must not be empty");
        }
        return v.trim();
    }

    int port(String key) {
        return (int) integer(key, 0, 65535);
    }

    long integer(String key, long min, long max) {
        String v = text(key);
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(key, "must be an integer");
        }
        if (n < min || n > max) {
            throw bad(key, "must be in [" + min + ", " + max + "]");
        }
        return n;
    }

    long size(String key, long min, long max) {
        long n;
        try {
            n = Sizes.parse(key, text(key));
        } catch (IllegalArgumentException e) {
            throw bad(key, "must be a size like 4096, 512m or 4g");
        }
        if (n < min || n > max) {
            throw bad(key, "must be in [" + Sizes.format(min) + ", " + Sizes.format(max) + "] (" + n + " bytes)");
        }
        return n;
    }

    boolean bool(String key) {
        String v = text(key).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw bad(key, "must be true or false");
        };
    }

    <E extends Enum<E>> E choice(String key, Class<E> type) {
        String v = text(key).toUpperCase(Locale.ROOT);
        try {
            return Enum.valueOf(type, v);
        } catch (IllegalArgumentException e) {
            throw bad(key, "must be one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }

    Path path(String key) {
        try {
            return Path.of(text(key));
        } catch (InvalidPathException e) {
            throw bad(key, "is not a valid path: " + e.getReason());
        }
    }

    /** The settings under {@code prefix}, with any {@code ...Bytes} value turned into plain bytes. */
    Properties tierProperties(String prefix) {
        Properties p = new Properties();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                p.setProperty(k, k.endsWith("Bytes") ? String.valueOf(size(k, 0, Long.MAX_VALUE)) : v.trim());
            }
        });
        return p;
    }

    private IllegalArgumentException bad(String key, String why) {
        return new IllegalArgumentException(key + " " + why + ", got '" + values.get(key) + "' (from "
            + origins.getOrDefault(key, "default or builder") + ")");
    }
}
