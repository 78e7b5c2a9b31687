package io.spillway.server;

import io.spillway.config.PropertyReader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One prefix's part of the node's layered settings ({@code spillway.cluster.*}, {@code spillway.events.*}): its
 * defaults with the given values over them, read through a {@link PropertyReader} whose errors name the property,
 * the value and where it came from. An unknown name under the prefix is rejected with the known ones listed.
 */
public final class SettingsSection {
    private SettingsSection() {
    }

    /**
     * @param defaults  the section's settings in documentation order ({@code null}: no default)
     * @param canonical a name as given to its documented name, or {@code null} when it is not one of the section's
     */
    public static PropertyReader read(String prefix, Map<String, String> defaults, Map<String, String> values,
                                      Map<String, String> origins, UnaryOperator<String> canonical) {
        Map<String, String> s = new LinkedHashMap<>();
        Map<String, String> o = new LinkedHashMap<>();
        defaults.forEach((k, v) -> {
            if (v != null) {
                s.put(k, v);
            }
        });
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                String name = canonical.apply(k);
                if (name == null) {
                    throw new IllegalArgumentException("unknown setting '" + k + "' (from "
                        + origins.getOrDefault(k, "builder") + "); known: " + defaults.keySet());
                }
                s.put(name, v);
                o.put(name, origins.getOrDefault(k, "builder"));
            }
        });
        return PropertyReader.of(s, k -> o.getOrDefault(k, "default"));
    }
}
