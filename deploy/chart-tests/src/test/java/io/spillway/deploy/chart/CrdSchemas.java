package io.spillway.deploy.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CustomResourceDefinitions of src/test/resources/crds (copied from each project's release, see SOURCES.md), and
 * a check of an object against its version's OpenAPI v3 schema as the API server applies a structural schema: types,
 * required fields, enums, string lengths and patterns, number bounds, list and map sizes, and fields the schema does
 * not declare (which the API server would prune silently: here an error, since the chart meant something by them),
 * except under {@code x-kubernetes-preserve-unknown-fields}. Not evaluated: CEL rules
 * ({@code x-kubernetes-validations}), formats, and {@code metadata} beyond being an object (fabric8's ObjectMeta
 * parses it).
 */
final class CrdSchemas {
    static final List<String> FILES = List.of("inference.networking.k8s.io_inferencepools.yaml",
        "llm-d.ai_inferenceobjectives.yaml", "keda.sh_scaledobjects.yaml", "monitoring.coreos.com_servicemonitors.yaml",
        "cert-manager.io_certificates.yaml", "cert-manager.io_issuers.yaml");

    private final Map<String, JsonNode> schemas = new HashMap<>();
    private final List<ObjectNode> definitions = new ArrayList<>();

    CrdSchemas() {
        for (String f : FILES) {
            try (InputStream in = CrdSchemas.class.getResourceAsStream("/crds/" + f)) {
                if (in == null) {
                    throw new IllegalStateException("no crds/" + f + " on the test classpath");
                }
                ObjectNode crd = (ObjectNode) Chart.YAML.readTree(in);
                definitions.add(crd);
                String group = crd.path("spec").path("group").asText();
                String kind = crd.path("spec").path("names").path("kind").asText();
                for (JsonNode v : crd.path("spec").path("versions")) {
                    if (v.path("served").asBoolean()) {
                        schemas.put(group + "/" + v.path("name").asText() + "/" + kind,
                            v.path("schema").path("openAPIV3Schema"));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The definitions, as YAML trees. */
    List<ObjectNode> definitions() {
        return definitions;
    }

    boolean covers(JsonNode object) {
        return schemas.containsKey(key(object));
    }

    private static String key(JsonNode object) {
        return object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    }

    /** What is wrong with the object under its CRD's schema; empty when it is valid. */
    List<String> validate(JsonNode object) {
        JsonNode schema = schemas.get(key(object));
        if (schema == null) {
            return List.of("no served CRD version for " + key(object));
        }
        List<String> errors = new ArrayList<>();
        check(object, schema, "", errors, true);
        return errors;
    }

    private static void check(JsonNode value, JsonNode schema, String path, List<String> errors, boolean root) {
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean()) {
                errors.add(path + ": null");
            }
            return;
        }
        for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
            JsonNode branches = schema.path(combinator);
            if (branches.isArray()) {
                int ok = 0;
                List<String> branchErrors = new ArrayList<>();
                for (JsonNode branch : branches) {
                    List<String> e = new ArrayList<>();
                    check(value, branch, path, e, false);
                    ok += e.isEmpty() ? 1 : 0;
                    branchErrors.addAll(e);
                }
                boolean pass = switch (combinator) {
                    case "allOf" -> ok == branches.size();
                    case "anyOf" -> ok >= 1;
                    default -> ok == 1;
                };
                if (!pass) {
                    errors.add(path + ": fails " + combinator + " " + branchErrors);
                }
            }
        }
        boolean intOrString = schema.path("x-kubernetes-int-or-string").asBoolean();
        String type = schema.path("type").asText("");
        if (intOrString) {
            if (!value.isTextual() && !value.isIntegralNumber()) {
                errors.add(path + ": expected an integer or a string, got " + value);
            }
        } else if (!type.isEmpty() && !hasType(value, type)) {
            errors.add(path + ": expected " + type + ", got " + value.getNodeType() + " " + value);
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.path("enum")) {
                found |= e.equals(value) || (e.isTextual() && value.isTextual() && e.asText().equals(value.asText()));
            }
            if (!found) {
                errors.add(path + ": " + value + " is not one of " + schema.path("enum"));
            }
        }
        if (value.isTextual()) {
            String s = value.asText();
            if (schema.has("maxLength") && s.length() > schema.path("maxLength").asInt()) {
                errors.add(path + ": longer than " + schema.path("maxLength"));
            }
            if (schema.has("minLength") && s.length() < schema.path("minLength").asInt()) {
                errors.add(path + ": shorter than " + schema.path("minLength"));
            }
            if (schema.has("pattern") && !Pattern.compile(schema.path("pattern").asText()).matcher(s).find()) {
                errors.add(path + ": '" + s + "' does not match " + schema.path("pattern").asText());
            }
        }
        if (value.isNumber()) {
            if (schema.has("minimum") && value.asDouble() < schema.path("minimum").asDouble()) {
                errors.add(path + ": below " + schema.path("minimum"));
            }
            if (schema.has("maximum") && value.asDouble() > schema.path("maximum").asDouble()) {
                errors.add(path + ": above " + schema.path("maximum"));
            }
        }
        if (value.isArray()) {
            if (schema.has("maxItems") && value.size() > schema.path("maxItems").asInt()) {
                errors.add(path + ": more than " + schema.path("maxItems") + " items");
            }
            if (schema.has("minItems") && value.size() < schema.path("minItems").asInt()) {
                errors.add(path + ": fewer than " + schema.path("minItems") + " items");
            }
            if (schema.has("items")) {
                for (int i = 0; i < value.size(); i++) {
                    check(value.get(i), schema.path("items"), path + "[" + i + "]", errors, false);
                }
            }
        }
        if (value.isObject()) {
            checkObject(value, schema, path, errors, root);
        }
    }

    private static void checkObject(JsonNode value, JsonNode schema, String path, List<String> errors, boolean root) {
        if (schema.has("maxProperties") && value.size() > schema.path("maxProperties").asInt()) {
            errors.add(path + ": more than " + schema.path("maxProperties") + " entries");
        }
        if (schema.has("minProperties") && value.size() < schema.path("minProperties").asInt()) {
            errors.add(path + ": fewer than " + schema.path("minProperties") + " entries");
        }
        for (JsonNode r : schema.path("required")) {
            if (!value.has(r.asText())) {
                errors.add(path + ": required field '" + r.asText() + "' is missing");
            }
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            String p = path + "." + e.getKey();
            if (root && e.getKey().equals("metadata")) {
                if (!e.getValue().isObject()) {
                    errors.add(p + ": expected an object");
                }
            } else if (properties.has(e.getKey())) {
                check(e.getValue(), properties.path(e.getKey()), p, errors, false);
            } else if (additional.isObject()) {
                check(e.getValue(), additional, p, errors, false);
            } else if (!preserve && !additional.asBoolean(false)) {
                errors.add(p + ": unknown field (the schema declares " + names(properties) + ")");
            }
        }
    }

    private static List<String> names(JsonNode properties) {
        List<String> out = new ArrayList<>();
        properties.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            default -> false;
        };
    }
}
