package io.spillway.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Layers the sources of a component's settings, the same way for the server, the router and the agent: defaults &lt;
 * config file ({@code --config FILE}, Java properties) &lt; environment &lt; command-line flags. Only keys starting with
 * {@code spillway.} are taken; each later layer overrides the earlier ones.
 *
 * <p>Environment names are property names with camel-case words split by underscores, dots turned into
 * underscores and upper-cased: {@code spillway.server.dataPort} is {@code SPILLWAY_SERVER_DATA_PORT},
 * {@code spillway.router.proxyPort} is {@code SPILLWAY_ROUTER_PROXY_PORT}.
 *
 * <p>A renamed property ({@link #renamed}) is still read under its old name, in any layer, as its new name, with a
 * warning; a later layer's value under either name overrides an earlier one's.
 *
 * <pre>{@code
 * PropertySources sources = new PropertySources().renamed(ServerContext.RENAMED_PROPERTIES)
 *     .file(config).environment(System.getenv()).overrides(flags, "command line");
 * }</pre>
 */
public final class PropertySources {
    public static final String PREFIX = "spillway.";

    private static final System.Logger LOG = System.getLogger(PropertySources.class.getName());

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();
    private final Map<String, String> renamed = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    /**
     * Accepts each old name of {@code oldToNew} as a deprecated spelling of its new name. Call before the layers are
     * added.
     */
    public PropertySources renamed(Map<String, String> oldToNew) {
        renamed.putAll(oldToNew);
        return this;
    }

    /** Adds the keys of a Java properties file; a missing or unreadable file is an error naming it. */
    public PropertySources file(Path file) {
        for (Map.Entry<String, String> e : readFile(file).entrySet()) {
            put(e.getKey(), e.getValue(), "file " + file);
        }
        return this;
    }

    /** Every key of a Java properties file, in no particular order; a missing or unreadable file is an error. */
    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read config file '" + file + "' (Java properties): " + e, e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            out.put(k, p.getProperty(k));
        }
        return out;
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

    /** A reader of these values whose errors name each value's origin. */
    public PropertyReader reader() {
        return PropertyReader.of(values, this::origin);
    }

    /** The warnings given so far (deprecated names), each also logged. */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** Records and logs a warning about these settings. */
    public void warn(String message) {
        warnings.add(message);
        LOG.log(System.Logger.Level.WARNING, message);
    }

    private void put(String key, String value, String origin) {
        String k = key.trim();
        if (!k.startsWith(PREFIX)) {
            return;
        }
        String now = renamed.get(k);
        if (now != null) {
            warn(deprecated(k, now, origin));
            k = now;
        }
        values.put(k, value == null ? "" : value.trim());
        origins.put(k, origin);
    }

    /** The warning for a renamed property read under its old name. */
    public static String deprecated(String oldName, String newName, String origin) {
        return oldName + " (from " + origin + ") is deprecated and will be removed: use " + newName + " (its value is "
            + "taken as " + newName + "'s)";
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
