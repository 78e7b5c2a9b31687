package io.spillway.server;

import io.spillway.config.PropertyReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The node's settings read through kv-client's {@link PropertyReader}: every value is required (the defaults are
 * already merged in), and every error names the property, the value and where it came from.
 */
final class Settings {
    private final Map<String, String> values;
    private final PropertyReader reader;

    Settings(Map<String, String> values, Map<String, String> origins) {
        this.values = values;
        this.reader = PropertyReader.of(values, key -> origins.getOrDefault(key, "default or builder"));
    }

    String text(String key) {
        return reader.string(key).orElseThrow(() -> missing(key));
    }

    int port(String key) {
        return (int) integer(key, 0, 65535);
    }

    long integer(String key, long min, long max) {
        return reader.longValue(key, min, max).orElseThrow(() -> missing(key));
    }

    long size(String key, long min, long max) {
        return reader.size(key, min, max).orElseThrow(() -> missing(key));
    }

    /** {@code true} or {@code false} (any case), as everywhere else in Spillway's settings. */
    boolean bool(String key) {
        return reader.bool(key).orElseThrow(() -> missing(key));
    }

    <E extends Enum<E>> E choice(String key, Class<E> type) {
        return reader.enumValue(key, type).orElseThrow(() -> missing(key));
    }

    Path path(String key) {
        return reader.path(key).orElseThrow(() -> missing(key));
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

    private static IllegalArgumentException missing(String key) {
        return new IllegalArgumentException(key + " must be set");
    }
}
