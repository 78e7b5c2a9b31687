package io.spillway.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Layers the sources of settings: defaults &lt; config file (Java properties) &lt; environment &lt; command-line
 * flags. Only keys starting with {@code spillway.} are taken; each later layer overrides the earlier ones.
 *
 * <p>Environment names are property names with camel-case words split by underscores, dots turned into
 * underscores and upper-cased: {@code spillway.server.dataPort} is {@code SPILLWAY_SERVER_DATA_PORT}.
 */
public final class PropertySources {
    static final String PREFIX = "spillway.";

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();

    /** Adds the keys of a Java properties file; a missing or unreadable file is an error naming it. */
    public PropertySources file(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file '" + file + "': " + e, e);
        }
        for (String k : p.stringPropertyNames()) {
            put(k, p.getProperty(k), "file " + file);
        }
        return this;
    }

    /** Adds every {@code SPILLWAY_*} variable of {@code env}, mapped back to its property name. */
    public PropertySources environment(Map<String, String> env) {
        env.forEach((name, value) -> {
            if (name.startsWith("SPILLWAY_")) {
                put(propertyName(name), value, "environment " + name);
            }
        });
        return this;
    }

    /** Adds explicit settings (command-line flags, {@code --set key=value}). */
    public PropertySources overrides(Map<String, String> flags, String origin) {
        flags.forEach((k, v) -> put(k, v, origin));
        return this;
    }

    public Map<String, String> values() {
        return values;
    }

    /** Where the value of {@code key} came from, for error messages. */
    public String origin(String key) {
        return origins.getOrDefault(key, "default");
    }

    private void put(String key, String value, String origin) {
        String k = key.trim();
        if (k.startsWith(PREFIX)) {
            values.put(k, value == null ? "" : value.trim());
            origins.put(k, origin);
        }
    }

    /** {@code spillway.server.dataPort} to {@code SPILLWAY_SERVER_DATA_PORT}. */
    public static String envName(String property) {
        StringBuilder sb = new StringBuilder(property.length() + 8);
        char prev = '.';
        for (int i = 0; i < property.length(); i++) {
            char c = property.charAt(i);
            if (c == '.' || c == '-') {
                sb.append('_');
            } else {
                if (Character.isUpperCase(c) && (Character.isLowerCase(prev) || Character.isDigit(prev))) {
                    sb.append('_');
                }
                sb.append(Character.toUpperCase(c));
            }
            prev = c;
        }
        return sb.toString();
    }

    /**
     * {@code SPILLWAY_SERVER_DATA_PORT} to {@code spillway.server.dataPort}: the first two words are the prefix and
     * the component, the rest one camel-case name (every Spillway property has that shape).
     */
    public static String propertyName(String envName) {
        String[] words = envName.toLowerCase(Locale.ROOT).split("_");
        if (words.length < 3) {
            return String.join(".", words);
        }
        StringBuilder sb = new StringBuilder(words[0]).append('.').append(words[1]).append('.').append(words[2]);
        for (int i = 3; i < words.length; i++) {
            if (!words[i].isEmpty()) {
                sb.append(Character.toUpperCase(words[i].charAt(0))).append(words[i], 1, words[i].length());
            }
        }
        return sb.toString();
    }
}
