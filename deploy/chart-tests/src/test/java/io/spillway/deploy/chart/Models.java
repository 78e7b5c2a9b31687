package io.spillway.deploy.chart;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rendered objects as fabric8's model classes, with unknown fields refused. fabric8's mapper is configured with
 * FAIL_ON_UNKNOWN_PROPERTIES here, but its model classes take any field they do not declare into an
 * {@code additionalProperties} map (a JsonAnySetter), so the mapper alone never fails on one: {@link #unknownFields}
 * walks the parsed object and reports every non-empty such map with its path. A value of the wrong type lands there
 * too (fabric8's UnmatchedFieldTypeModule), or fails the parse.
 */
final class Models {
    static final KubernetesSerialization SERIALIZATION = strict();

    private Models() {
    }

    private static KubernetesSerialization strict() {
        return new KubernetesSerialization(new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES),
            true);
    }

    /** The object as fabric8's class for its apiVersion and kind (GenericKubernetesResource when it has none). */
    static HasMetadata parse(JsonNode object) {
        return SERIALIZATION.convertValue(object, HasMetadata.class);
    }

    /** Paths of the fields fabric8's model does not declare, anywhere in {@code model}. */
    static List<String> unknownFields(Object model) {
        List<String> out = new ArrayList<>();
        walk(model, "", out, new IdentityHashMap<>());
        return out;
    }

    private static void walk(Object o, String path, List<String> out, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, out, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || !g.getName().startsWith("get")
                || g.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = g.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            String field = Character.toLowerCase(g.getName().charAt(3)) + g.getName().substring(4);
            if (g.getName().equals("getAdditionalProperties")) {
                if (o instanceof GenericKubernetesResource) {
                    continue; // a generic resource holds everything there
                }
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> out.add(path + "." + k));
                }
                continue;
            }
            walk(v, path + "." + field, out, seen);
        }
    }
}
