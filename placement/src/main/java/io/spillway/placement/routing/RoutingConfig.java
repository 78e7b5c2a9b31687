package io.spillway.placement.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The router's scheduling configuration: an llm-d {@code EndpointPickerConfig}, read as llm-d reads it and written back
 * in that form ({@link #toYaml}).
 *
 * <p>What is read: {@code apiVersion} ({@value #API_VERSION}, or the deprecated {@value #DEPRECATED_API_VERSION}),
 * {@code kind: EndpointPickerConfig}, {@code featureGates} (accepted, not interpreted), {@code plugins} (each a {@code
 * type}, an optional {@code name} that defaults to the type, {@code parameters}) and {@code schedulingProfiles} that
 * refer to plugins by {@code pluginRef}. As llm-d's loader does: a scorer without a weight weighs 1; a profile without
 * a picker gets the configured picker, else a default {@code max-score-picker}; one profile without a handler gets a
 * {@code single-profile-handler}; several profiles need a handler. The {@code disagg-profile-handler} (and its legacy
 * alias {@code pd-profile-handler}) serves from its decode profile and splits off its prefill profile when its prefill
 * decider says so ({@link SplitRule}). Role filters ({@link RoleFilter}) admit pods by their llm-d role.
 *
 * <p>Plugin types: llm-d's scorers {@code prefix-cache-scorer}, {@code precise-prefix-cache-scorer} ({@link
 * CachedPrefixScorer}), {@code queue-scorer}, {@code kv-cache-utilization-scorer}, {@code load-aware-scorer}, {@code
 * active-request-scorer}, {@code no-hit-lru-scorer}; Spillway's {@code spillway-prefix-scorer} ({@link PrefixScorer})
 * and {@code spillway-load-scorer}; the {@code decode-filter}, {@code prefill-filter} and {@code encode-filter};
 * {@code max-score-picker}; the handlers and deciders above. Plugins that only serve llm-d's data plane ({@link
 * #DATA_PLANE}) are accepted and have no effect. Any other type is refused with an error that names it.
 *
 * <p>Presets by name ({@link #preset}): {@code llm-d-default}, {@code spillway-default}, {@code spillway-pd} and
 * {@code load-only}; see {@code docs/routing.md}.
 */
public final class RoutingConfig {
    public static final String API_VERSION = "llm-d.ai/v1alpha1";
    public static final String DEPRECATED_API_VERSION = "inference.networking.x-k8s.io/v1alpha1";
    public static final String KIND = "EndpointPickerConfig";
    public static final double DEFAULT_SPECULATIVE_TTL_SECONDS = 30;
    /** llm-d's precise-prefix-cache-scorer's default {@code speculativeTTL}, in seconds. */
    public static final double PRECISE_SPECULATIVE_TTL_SECONDS = 2;

    static final String SINGLE_HANDLER = "single-profile-handler";
    static final String DISAGG_HANDLER = "disagg-profile-handler";
    static final String PD_HANDLER = "pd-profile-handler";
    static final String SPILLWAY_LOAD = "spillway-load-scorer";

    private enum Kind { SCORER, FILTER, PICKER, HANDLER, DECIDER, DATA_PLANE }

    /** Parameter names each implemented type reads (llm-d's, plus Spillway's own where noted in the docs). */
    private static final Map<String, Set<String>> PARAMETERS = Map.ofEntries(
        Map.entry(CachedPrefixScorer.APPROXIMATE, Set.of("autoTune", "blockSize", "blockSizeTokens",
            "maxPrefixBlocksToMatch", "maxPrefixTokensToMatch", "lruCapacityPerServer", "speculativeTtlSeconds")),
        Map.entry(CachedPrefixScorer.PRECISE, Set.of("tokenProcessorConfig", "indexerConfig", "kvEventsConfig",
            "speculativeIndexing", "speculativeTTL")),
        Map.entry(PrefixScorer.TYPE, Set.of("speculativeTtlSeconds")),
        Map.entry(QueueScorer.TYPE, Set.of()),
        Map.entry(KvUtilizationScorer.TYPE, Set.of()),
        Map.entry(LoadAwareScorer.TYPE, Set.of("threshold")),
        Map.entry(SPILLWAY_LOAD, Set.of("threshold")),
        Map.entry(ActiveRequestScorer.TYPE, Set.of("requestTimeout", "idleThreshold", "maxBusyScore")),
        Map.entry(NoHitSpreader.TYPE, Set.of("lruSize", "prefixPluginType", "prefixPluginName")),
        Map.entry("decode-filter", Set.of()),
        Map.entry("prefill-filter", Set.of()),
        Map.entry("encode-filter", Set.of()),
        Map.entry(MaxScorePicker.TYPE, Set.of("maxNumOfEndpoints", "seed")),
        Map.entry(SINGLE_HANDLER, Set.of()),
        Map.entry(DISAGG_HANDLER, Set.of("profiles", "deciders", "decodeProfile", "prefillProfile", "encodeProfile",
            "prefillDeciderPluginName", "encodeDeciderPluginName", "deciderPluginName")),
        Map.entry(PD_HANDLER, Set.of("decodeProfile", "prefillProfile", "prefixPluginType", "prefixPluginName",
            "primaryPort", "deciderPluginName")),
        Map.entry(SplitRule.PREFIX_BASED, Set.of("nonCachedTokens")),
        Map.entry(SplitRule.ALWAYS, Set.of()));

    /**
     * llm-d plugins that act only in its data plane (request headers to the sidecar, tokenization for its own precise
     * scorer, metrics and model collection): Spillway's router does these itself, so they are accepted and ignored.
     */
    public static final Set<String> DATA_PLANE = Set.of("disagg-headers-handler", "prefill-header-handler",
        "tokenizer", "token-producer", "models-data-source", "models-data-extractor", "metrics-data-source",
        "core-metrics-extractor", "endpoint-notification-source");

    /** Plugin types of llm-d (v0.7.1 and the current router) that Spillway does not implement: refused by name. */
    private static final Set<String> LLMD_UNIMPLEMENTED = Set.of("data-parallel-profile-handler",
        "always-disagg-multimodal-decider", "by-label", "by-label-selector", "label-selector-filter",
        "session-affinity-scorer", "random-picker", "weighted-random-picker", "lora-affinity-scorer",
        "running-requests-size-scorer", "context-length-aware", "probabilistic-admitter", "utilization-detector",
        "concurrency-detector", "latency-scorer", "token-load-scorer", "prefix-cache-affinity-filter",
        "predicted-latency-producer", "inflight-load-producer", "approx-prefix-cache-producer",
        "slo-headroom-tier-filter", "latency-slo-admitter", "sheddable-eviction-filter", "fcfs-ordering-policy",
        "edf-ordering-policy", "global-strict-fairness-policy", "round-robin-fairness-policy",
        "request-attribute-reporter", "k8s-notification-source", "model-server-protocol-models");

    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "featureGates", "plugins",
        "schedulingProfiles", "data", "dataLayer");

    /** A configured plugin: its name, type and parameters as written (an empty object when none). */
    public record Plugin(String name, String type, ObjectNode parameters) {
        double number(String key, double otherwise) {
            JsonNode v = parameters.get(key);
            if (v == null || v.isNull()) {
                return otherwise;
            }
            if (!v.isNumber()) {
                throw new IllegalArgumentException("plugin " + name + ": parameter " + key + " must be a number, got "
                    + v);
            }
            return v.asDouble();
        }

        int integer(String key, int otherwise) {
            double d = number(key, otherwise);
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("plugin " + name + ": parameter " + key
                    + " must be a whole number, got " + parameters.get(key));
            }
            return (int) d;
        }

        String text(String key, String otherwise) {
            String v = textOrNull(key);
            return v == null ? otherwise : v;
        }

        /** The parameter {@code key}'s text, or null when it is not set. */
        @Nullable String textOrNull(String key) {
            JsonNode v = parameters.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw new IllegalArgumentException("plugin " + name + ": parameter " + key + " must be a string, got "
                    + v);
            }
            return v.asText();
        }

        boolean bool(String key) {
            JsonNode v = parameters.get(key);
            if (v != null && !v.isNull() && !v.isBoolean()) {
                throw new IllegalArgumentException("plugin " + name + ": parameter " + key + " must be true or false,"
                    + " got " + v);
            }
            return v != null && v.asBoolean();
        }
    }

    /** A profile's reference to a plugin, with the weight written (null when none). */
    public record Ref(String pluginRef, @Nullable Double weight) {
    }

    /**
     * A scheduling profile as the loader completes it.
     *
     * @param refs    the references as written, in order
     * @param filters the role filters' plugin names, in order
     * @param scorers scorer plugin name to weight (1 when none was written), in order
     * @param picker  the picker's plugin name (the profile's own, else the configured one, else {@code
     *                max-score-picker}, the default llm-d adds)
     */
    public record ProfileSpec(String name, List<Ref> refs, List<String> filters, Map<String, Double> scorers,
                              String picker) {
    }

    /**
     * The profile handler.
     *
     * @param name           its plugin name ({@code single-profile-handler} when the loader added it)
     * @param decodeProfile  the serving profile's name
     * @param prefillProfile the prefill profile's name (disaggregating handlers only, else null)
     * @param encodeProfile  the encode profile's name ({@code disagg-profile-handler} only, else null)
     * @param prefillDecider the prefill decider's plugin name, or null for none (no split)
     */
    public record Handler(String name, String type, String decodeProfile, @Nullable String prefillProfile,
                          @Nullable String encodeProfile, @Nullable String prefillDecider) {
    }

    private final String apiVersion;
    private final List<String> featureGates;
    private final Map<String, Plugin> plugins;
    private final Map<String, ProfileSpec> profiles;
    private final Handler handler;
    private final @Nullable SplitRule rule;

    private RoutingConfig(String apiVersion, List<String> featureGates, Map<String, Plugin> plugins,
                          Map<String, ProfileSpec> profiles, Handler handler) {
        this.apiVersion = apiVersion;
        this.featureGates = featureGates;
        this.plugins = plugins;
        this.profiles = profiles;
        this.handler = handler;
        String decider = handler.prefillDecider();
        this.rule = decider == null ? null : splitRule(Objects.requireNonNull(plugins.get(decider), decider));
    }

    /** The preset names {@link #preset} knows. */
    public static final List<String> PRESETS = List.of("llm-d-default", "spillway-default", "spillway-pd",
        "load-only");

    /** The configuration of a preset name; see docs/routing.md. */
    public static RoutingConfig preset(String name) {
        String head = "apiVersion: " + API_VERSION + "\nkind: " + KIND + "\n";
        return switch (name) {
            case "llm-d-default", "spillway-default" -> parse(head + """
                plugins:
                - type: decode-filter
                - type: %1$s
                - type: queue-scorer
                - type: kv-cache-utilization-scorer
                - type: max-score-picker
                - type: single-profile-handler
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: decode-filter
                  - {pluginRef: %1$s, weight: 3}
                  - {pluginRef: queue-scorer, weight: 2}
                  - {pluginRef: kv-cache-utilization-scorer, weight: 2}
                  - pluginRef: max-score-picker
                """.formatted(name.equals("llm-d-default") ? CachedPrefixScorer.APPROXIMATE : PrefixScorer.TYPE));
            case "spillway-pd" -> parse(head + """
                plugins:
                - type: decode-filter
                - type: prefill-filter
                - type: prefix-cache-scorer
                - type: queue-scorer
                - type: kv-cache-utilization-scorer
                - type: load-aware-scorer
                  parameters: {threshold: 128}
                - type: no-hit-lru-scorer
                  parameters: {lruSize: 1024}
                - type: max-score-picker
                - type: prefix-based-pd-decider
                  parameters: {nonCachedTokens: 512}
                - type: disagg-profile-handler
                  parameters:
                    deciders: {prefill: prefix-based-pd-decider}
                schedulingProfiles:
                - name: decode
                  plugins:
                  - pluginRef: decode-filter
                  - {pluginRef: prefix-cache-scorer, weight: 3}
                  - {pluginRef: queue-scorer, weight: 2}
                  - {pluginRef: kv-cache-utilization-scorer, weight: 2}
                  - {pluginRef: load-aware-scorer, weight: 1}
                  - {pluginRef: no-hit-lru-scorer, weight: 1}
                  - pluginRef: max-score-picker
                - name: prefill
                  plugins:
                  - pluginRef: prefill-filter
                  - {pluginRef: prefix-cache-scorer, weight: 1}
                  - {pluginRef: load-aware-scorer, weight: 1}
                  - pluginRef: max-score-picker
                """);
            case "load-only" -> parse(head + """
                plugins:
                - type: decode-filter
                - type: queue-scorer
                - type: kv-cache-utilization-scorer
                - type: max-score-picker
                - type: single-profile-handler
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: decode-filter
                  - {pluginRef: queue-scorer, weight: 2}
                  - {pluginRef: kv-cache-utilization-scorer, weight: 2}
                  - pluginRef: max-score-picker
                """);
            default -> throw new IllegalArgumentException("unknown routing preset '" + name + "': expected one of "
                + PRESETS);
        };
    }

    /**
     * Reads an EndpointPickerConfig.
     *
     * @throws IllegalArgumentException naming what is wrong: unparsable YAML, a missing or unknown apiVersion or kind,
     *                                  an unknown field, a plugin type Spillway does not implement, an unknown or
     *                                  ill-typed parameter, a reference to no plugin, a negative weight, a missing or
     *                                  extra profile, a handler that cannot serve the profiles
     */
    public static RoutingConfig parse(String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException("routing configuration is not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("routing configuration must be a YAML mapping");
        }
        String apiVersion = text(root, "apiVersion", null);
        if (!apiVersion.equals(API_VERSION) && !apiVersion.equals(DEPRECATED_API_VERSION)) {
            throw new IllegalArgumentException("unsupported apiVersion '" + apiVersion + "': expected " + API_VERSION
                + " (or the deprecated " + DEPRECATED_API_VERSION + ")");
        }
        String kind = text(root, "kind", null);
        if (!kind.equals(KIND)) {
            throw new IllegalArgumentException("unsupported kind '" + kind + "': expected " + KIND);
        }
        List<String> gates = new ArrayList<>();
        JsonNode g = root.get("featureGates");
        if (g != null && !g.isNull()) {
            if (!g.isArray()) {
                throw new IllegalArgumentException("'featureGates' must be a list of names, got " + g);
            }
            for (JsonNode gate : g) {
                if (!gate.isTextual()) {
                    throw new IllegalArgumentException("a feature gate must be a name, got " + gate);
                }
                gates.add(gate.asText());
            }
        }
        Map<String, Plugin> plugins = new LinkedHashMap<>();
        for (JsonNode p : array(root, "plugins")) {
            Plugin plugin = plugin(p);
            if (plugins.put(plugin.name(), plugin) != null) {
                throw new IllegalArgumentException("two plugins are named '" + plugin.name() + "': give one a name");
            }
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!TOP_LEVEL.contains(field)) {
                throw new IllegalArgumentException("unknown or unsupported field '" + field
                    + "' in the EndpointPickerConfig: Spillway reads " + new TreeSet<>(TOP_LEVEL)
                    + (field.equals("saturationDetector") || field.equals("flowControl")
                    ? " (the router sheds load by its own settings)" : ""));
            }
        }
        Map<String, ProfileSpec> profiles = new LinkedHashMap<>();
        String defaultPicker = plugins.values().stream().filter(p -> kind(p.type()) == Kind.PICKER)
            .map(Plugin::name).findFirst().orElse(null);
        for (JsonNode profile : array(root, "schedulingProfiles")) {
            ProfileSpec spec = profile(profile, plugins, defaultPicker);
            if (profiles.put(spec.name(), spec) != null) {
                throw new IllegalArgumentException("two scheduling profiles are named '" + spec.name() + "'");
            }
        }
        if (profiles.values().stream().anyMatch(p -> !plugins.containsKey(p.picker()))) {
            // llm-d's loader adds a max-score-picker with default parameters when none is configured
            plugins.put(MaxScorePicker.TYPE, new Plugin(MaxScorePicker.TYPE, MaxScorePicker.TYPE,
                JsonNodeFactory.instance.objectNode()));
        }
        Handler handler = handler(plugins, profiles);
        RoutingConfig config = new RoutingConfig(apiVersion, List.copyOf(gates),
            Collections.unmodifiableMap(plugins), Collections.unmodifiableMap(profiles), handler);
        config.check();
        return config;
    }

    private static Plugin plugin(JsonNode p) {
        if (!p.isObject()) {
            throw new IllegalArgumentException("a plugin must be a mapping with a type, got " + p);
        }
        for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("type", "name", "parameters").contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "' in plugin " + p
                    + ": expected type, name, parameters");
            }
        }
        String type = text(p, "type", null);
        String name = text(p, "name", type);
        Kind kind = kind(type);
        if (kind == null) {
            if (LLMD_UNIMPLEMENTED.contains(type)) {
                throw new IllegalArgumentException("plugin type '" + type + "' (plugin " + name + ") is an llm-d plugin"
                    + " Spillway does not implement; Spillway implements " + new TreeSet<>(PARAMETERS.keySet())
                    + " and accepts " + new TreeSet<>(DATA_PLANE) + " as no-ops");
            }
            throw new IllegalArgumentException("unknown plugin type '" + type + "' (plugin " + name
                + "): Spillway implements " + new TreeSet<>(PARAMETERS.keySet()) + " and accepts "
                + new TreeSet<>(DATA_PLANE) + " as no-ops");
        }
        JsonNode params = p.get("parameters");
        ObjectNode parameters;
        if (params == null || params.isNull()) {
            parameters = JsonNodeFactory.instance.objectNode();
        } else if (params.isObject()) {
            parameters = (ObjectNode) params;
        } else {
            throw new IllegalArgumentException("plugin " + name + ": parameters must be a mapping, got " + params);
        }
        if (kind != Kind.DATA_PLANE) {
            Set<String> known = Objects.requireNonNull(PARAMETERS.get(type), type); // kind() found it
            for (Iterator<String> it = parameters.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (type.equals(PD_HANDLER) && key.equals("threshold")) {
                    throw new IllegalArgumentException("plugin " + name + ": llm-d's pd-profile-handler has no"
                        + " 'threshold' any more: configure a prefix-based-pd-decider with nonCachedTokens and name it"
                        + " in a disagg-profile-handler's deciders.prefill");
                }
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("plugin " + name + " (" + type + "): unknown parameter '" + key
                        + "'" + (known.isEmpty() ? ", it takes none" : ": expected one of " + new TreeSet<>(known)));
                }
            }
        }
        return new Plugin(name, type, parameters);
    }

    private static @Nullable Kind kind(String type) {
        if (DATA_PLANE.contains(type)) {
            return Kind.DATA_PLANE;
        }
        if (!PARAMETERS.containsKey(type)) {
            return null;
        }
        if (RoleFilter.ofType(type) != null) {
            return Kind.FILTER;
        }
        return switch (type) {
            case MaxScorePicker.TYPE -> Kind.PICKER;
            case SINGLE_HANDLER, DISAGG_HANDLER, PD_HANDLER -> Kind.HANDLER;
            case SplitRule.PREFIX_BASED, SplitRule.ALWAYS -> Kind.DECIDER;
            default -> Kind.SCORER;
        };
    }

    private static ProfileSpec profile(JsonNode profile, Map<String, Plugin> plugins, @Nullable String defaultPicker) {
        String name = text(profile, "name", null);
        List<Ref> refs = new ArrayList<>();
        List<String> filters = new ArrayList<>();
        Map<String, Double> scorers = new LinkedHashMap<>();
        String picker = null;
        JsonNode list = profile.get("plugins");
        if (list != null && !list.isNull() && !list.isArray()) {
            throw new IllegalArgumentException("profile " + name + ": 'plugins' must be a list, got " + list);
        }
        for (JsonNode ref : list == null || list.isNull() ? JsonNodeFactory.instance.arrayNode() : list) {
            String pluginRef = text(ref, "pluginRef", null);
            Plugin p = plugins.get(pluginRef);
            if (p == null) {
                throw new IllegalArgumentException("profile " + name + " refers to plugin '" + pluginRef
                    + "', which is not configured");
            }
            JsonNode w = ref.get("weight");
            Double weight = w == null || w.isNull() ? null : w.isNumber() ? w.asDouble() : Double.NaN;
            refs.add(new Ref(pluginRef, weight));
            switch (Objects.requireNonNull(kind(p.type()), p.type())) { // plugin() refused unknown types
                case FILTER -> filters.add(pluginRef);
                case PICKER -> {
                    if (picker != null) {
                        throw new IllegalArgumentException("profile " + name + " has two pickers: " + picker + " and "
                            + pluginRef);
                    }
                    picker = pluginRef;
                }
                case SCORER -> {
                    double v = weight == null ? 1 : weight;
                    if (!(v >= 0) || Double.isInfinite(v)) {
                        throw new IllegalArgumentException("profile " + name + ": weight of " + pluginRef
                            + " must be a finite number >= 0, got " + w);
                    }
                    scorers.put(pluginRef, v);
                }
                case DATA_PLANE -> throw new IllegalArgumentException("profile " + name + " refers to " + pluginRef
                    + " (" + p.type() + "), which is no scheduling plugin");
                default -> {
                    // handlers and deciders may be listed in a profile: they act from outside it
                }
            }
        }
        return new ProfileSpec(name, List.copyOf(refs), List.copyOf(filters), Collections.unmodifiableMap(scorers),
            picker != null ? picker : defaultPicker != null ? defaultPicker : MaxScorePicker.TYPE);
    }

    private static Handler handler(Map<String, Plugin> plugins, Map<String, ProfileSpec> profiles) {
        List<Plugin> handlers = plugins.values().stream().filter(p -> kind(p.type()) == Kind.HANDLER).toList();
        if (handlers.size() > 1) {
            throw new IllegalArgumentException("multiple profile handlers found (" + handlers.get(0).name() + ", "
                + handlers.get(1).name() + "); only one is allowed");
        }
        if (handlers.isEmpty()) {
            if (profiles.size() != 1) {
                throw new IllegalArgumentException("no profile handler configured for " + profiles.size()
                    + " profiles: add a disagg-profile-handler");
            }
            String only = profiles.keySet().iterator().next();
            plugins.put(SINGLE_HANDLER, new Plugin(SINGLE_HANDLER, SINGLE_HANDLER,
                JsonNodeFactory.instance.objectNode()));
            return new Handler(SINGLE_HANDLER, SINGLE_HANDLER, only, null, null, null);
        }
        Plugin h = handlers.get(0);
        return switch (h.type()) {
            case SINGLE_HANDLER -> {
                if (profiles.size() != 1) {
                    throw new IllegalArgumentException("single-profile-handler cannot support multiple scheduling"
                        + " profiles (" + profiles.keySet() + ")");
                }
                yield new Handler(h.name(), h.type(), profiles.keySet().iterator().next(), null, null, null);
            }
            case PD_HANDLER -> new Handler(h.name(), h.type(), h.text("decodeProfile", "decode"),
                h.text("prefillProfile", "prefill"), null,
                decider(plugins, h, "deciderPluginName", h.text("deciderPluginName", SplitRule.PREFIX_BASED)));
            default -> disagg(plugins, h);
        };
    }

    private static Handler disagg(Map<String, Plugin> plugins, Plugin h) {
        ObjectNode p = h.parameters();
        boolean nested = p.has("profiles") || p.has("deciders");
        boolean flat = p.has("decodeProfile") || p.has("prefillProfile") || p.has("encodeProfile")
            || p.has("prefillDeciderPluginName") || p.has("encodeDeciderPluginName") || p.has("deciderPluginName");
        if (nested && flat) {
            throw new IllegalArgumentException("plugin " + h.name() + ": cannot mix the deprecated flat parameters"
                + " (decodeProfile, ..., deciderPluginName) with the nested ones (profiles, deciders)");
        }
        String decode;
        String prefill;
        String encode;
        @Nullable String prefillDecider;
        @Nullable String encodeDecider;
        if (flat) {
            decode = h.text("decodeProfile", "decode");
            prefill = h.text("prefillProfile", "prefill");
            encode = h.text("encodeProfile", "encode");
            String deprecated = h.textOrNull("deciderPluginName");
            String named = h.textOrNull("prefillDeciderPluginName");
            prefillDecider = named != null ? named : deprecated;
            encodeDecider = h.textOrNull("encodeDeciderPluginName");
        } else {
            ObjectNode profiles = section(h, "profiles", Set.of("decode", "prefill", "encode"));
            ObjectNode deciders = section(h, "deciders", Set.of("prefill", "encode"));
            Plugin view = new Plugin(h.name() + ".profiles", h.type(), profiles);
            decode = view.text("decode", "decode");
            prefill = view.text("prefill", "prefill");
            encode = view.text("encode", "encode");
            Plugin dv = new Plugin(h.name() + ".deciders", h.type(), deciders);
            prefillDecider = dv.textOrNull("prefill");
            encodeDecider = dv.textOrNull("encode");
        }
        if (encodeDecider != null) {
            throw new IllegalArgumentException("plugin " + h.name() + ": deciders.encode (" + encodeDecider
                + "): Spillway does not disaggregate encode");
        }
        return new Handler(h.name(), h.type(), decode, prefill, encode,
            prefillDecider == null ? null : decider(plugins, h, "deciders.prefill", prefillDecider));
    }

    private static ObjectNode section(Plugin h, String key, Set<String> fields) {
        JsonNode s = h.parameters().get(key);
        if (s == null || s.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!s.isObject()) {
            throw new IllegalArgumentException("plugin " + h.name() + ": " + key + " must be a mapping, got " + s);
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw new IllegalArgumentException("plugin " + h.name() + ": unknown " + key + "." + f + ": expected "
                    + new TreeSet<>(fields));
            }
        }
        return (ObjectNode) s;
    }

    private static String decider(Map<String, Plugin> plugins, Plugin h, String parameter, String name) {
        Plugin d = plugins.get(name);
        if (d == null) {
            throw new IllegalArgumentException("plugin " + h.name() + ": " + parameter + " names '" + name
                + "', which is not configured");
        }
        if (kind(d.type()) != Kind.DECIDER) {
            throw new IllegalArgumentException("plugin " + h.name() + ": " + parameter + " names " + name + " ("
                + d.type() + "), which is no P/D decider");
        }
        return name;
    }

    private static SplitRule splitRule(Plugin d) {
        return d.type().equals(SplitRule.ALWAYS) ? SplitRule.always()
            : SplitRule.prefixBased(d.integer("nonCachedTokens", 0));
    }

    /** Checks what the constructor leaves to later: the serving profile, every scorer's parameters, the TTL. */
    private void check() {
        if (!profiles.containsKey(handler.decodeProfile())) {
            throw new IllegalArgumentException(handler.type() + " " + handler.name() + " serves from profile '"
                + handler.decodeProfile() + "', which is not configured (profiles: " + profiles.keySet() + ")");
        }
        Map<String, Scorer> shared = sharedScorers();
        for (ProfileSpec p : profiles.values()) {
            p.scorers().keySet().forEach(s -> scorer(s, shared));
        }
        for (Plugin p : plugins.values()) {
            if (p.type().equals(MaxScorePicker.TYPE) && p.integer("maxNumOfEndpoints", 1) < 0) {
                throw new IllegalArgumentException("plugin " + p.name() + ": maxNumOfEndpoints must be >= 0, got "
                    + p.parameters().get("maxNumOfEndpoints"));
            }
        }
        speculativeTtlNanos();
    }

    public String apiVersion() {
        return apiVersion;
    }

    public List<String> featureGates() {
        return featureGates;
    }

    /** Plugins by name, in the order configured (defaults the loader added last). */
    public Map<String, Plugin> plugins() {
        return plugins;
    }

    public Map<String, ProfileSpec> profiles() {
        return profiles;
    }

    public Handler handler() {
        return handler;
    }

    private @Nullable ProfileSpec prefillSpec() {
        return rule == null || handler.prefillProfile() == null ? null : profiles.get(handler.prefillProfile());
    }

    /** A plugin by name, one the loader checked is configured. */
    private Plugin configured(String name) {
        return Objects.requireNonNull(plugins.get(name), name);
    }

    /** The serving profile, which the loader checked is configured. */
    private ProfileSpec decodeSpec() {
        return Objects.requireNonNull(profiles.get(handler.decodeProfile()), handler.decodeProfile());
    }

    /** The serving (decode) profile's scorers and weights, by plugin name. */
    public Map<String, Double> decode() {
        return decodeSpec().scorers();
    }

    /** The prefill profile's scorers and weights, or null when no request can be split. */
    public @Nullable Map<String, Double> prefill() {
        ProfileSpec p = prefillSpec();
        return p == null ? null : p.scorers();
    }

    /** When a request is split, or null when none can be. */
    public @Nullable SplitRule splitRule() {
        return prefillSpec() == null ? null : rule;
    }

    /** The prefill decider's {@code nonCachedTokens}; 0 without a split. */
    public int pdThreshold() {
        SplitRule r = splitRule();
        return r == null ? 0 : r.nonCachedTokens();
    }

    /** The serving profile's picker's tie-break {@code seed} (a Spillway parameter; 0 when not set). */
    public long seed() {
        return (long) configured(decodeSpec().picker()).number("seed", 0);
    }

    /**
     * How long speculative entries may stay ({@link SpeculativeBlocks}), in nanoseconds: the longest of the prefix
     * scorers the serving and prefill profiles use ({@code prefix-cache-scorer} and {@code spillway-prefix-scorer}:
     * {@code speculativeTtlSeconds}, default {@value #DEFAULT_SPECULATIVE_TTL_SECONDS}; {@code
     * precise-prefix-cache-scorer}: {@code speculativeTTL} when {@code speculativeIndexing}, default 2s); 0 when off.
     */
    public long speculativeTtlNanos() {
        double seconds = 0;
        for (ProfileSpec p : prefillSpec() == null ? List.of(profiles.get(handler.decodeProfile()))
            : List.of(decodeSpec(), prefillSpec())) {
            for (String name : p.scorers().keySet()) {
                seconds = Math.max(seconds, ttlSeconds(configured(name)));
            }
        }
        return Math.round(seconds * 1e9);
    }

    private static double ttlSeconds(Plugin p) {
        double s;
        switch (p.type()) {
            case CachedPrefixScorer.APPROXIMATE, PrefixScorer.TYPE ->
                s = p.number("speculativeTtlSeconds", DEFAULT_SPECULATIVE_TTL_SECONDS);
            case CachedPrefixScorer.PRECISE -> {
                if (!p.bool("speculativeIndexing")) {
                    return 0;
                }
                String ttl = p.textOrNull("speculativeTTL");
                s = ttl == null || ttl.isEmpty() ? PRECISE_SPECULATIVE_TTL_SECONDS : GoDuration.seconds(ttl, p.name());
            }
            default -> {
                return 0;
            }
        }
        if (!(s >= 0) || s > 3_600) {
            throw new IllegalArgumentException("plugin " + p.name() + ": the speculative entries' TTL must be 0 to 3600"
                + " seconds, got " + s);
        }
        return s;
    }

    /**
     * A decider for one thread: fresh profiles and picker (they keep scratch; the picker seeded with {@code seed +
     * thread}, so each thread draws its own ties and a run is repeatable); scorers that learn from decisions ({@link
     * NoHitSpreader}) are taken from {@code shared} so that every thread's decisions feed one of each.
     */
    public PdDecider decider(TransferCostModel model, Map<String, Scorer> shared, int thread) {
        Profile d = profile(decodeSpec(), shared);
        ProfileSpec ps = prefillSpec();
        Profile p = ps == null ? null : profile(ps, shared);
        return new PdDecider(d, p, p == null ? SplitRule.prefixBased(0) : Objects.requireNonNull(rule), new MaxScorePicker(seed() + thread),
            model);
    }

    /** The scorers that learn from decisions, one each, to share between the threads' deciders. */
    public Map<String, Scorer> sharedScorers() {
        Map<String, Scorer> shared = new HashMap<>();
        plugins.forEach((name, p) -> {
            if (p.type().equals(NoHitSpreader.TYPE)) {
                shared.put(name, spreader(p));
            }
        });
        return shared;
    }

    private Profile profile(ProfileSpec spec, Map<String, Scorer> shared) {
        List<Profile.Weighted> scorers = new ArrayList<>();
        spec.scorers().forEach((plugin, weight) -> scorers.add(new Profile.Weighted(scorer(plugin, shared), weight)));
        List<RoleFilter> filters = spec.filters().stream().map(f -> RoleFilter.ofType(configured(f).type())).toList();
        return new Profile(spec.name(), filters, scorers);
    }

    private Scorer scorer(String plugin, Map<String, Scorer> shared) {
        Plugin p = configured(plugin);
        return switch (p.type()) {
            case CachedPrefixScorer.APPROXIMATE, CachedPrefixScorer.PRECISE -> new CachedPrefixScorer(p.type());
            case PrefixScorer.TYPE -> new PrefixScorer();
            case QueueScorer.TYPE -> new QueueScorer();
            case KvUtilizationScorer.TYPE -> new KvUtilizationScorer();
            case LoadAwareScorer.TYPE -> new LoadAwareScorer(p.integer("threshold", LoadAwareScorer.DEFAULT_THRESHOLD));
            case SPILLWAY_LOAD -> new SpillwayLoadScorer(p.integer("threshold", SpillwayLoadScorer.DEFAULT_THRESHOLD));
            case ActiveRequestScorer.TYPE -> {
                String timeout = p.textOrNull("requestTimeout");
                if (timeout != null && !timeout.isEmpty()) {
                    GoDuration.seconds(timeout, p.name()); // read for its errors: the count ends with the request
                }
                yield new ActiveRequestScorer(p.integer("idleThreshold", 0), p.number("maxBusyScore", 1));
            }
            case NoHitSpreader.TYPE -> shared.computeIfAbsent(plugin, k -> spreader(p));
            default -> throw new IllegalStateException("not a scorer: " + p.type());
        };
    }

    private static NoHitSpreader spreader(Plugin p) {
        int size = p.integer("lruSize", 1024);
        return new NoHitSpreader(size <= 0 ? 1024 : size); // llm-d: 0 or less means its default
    }

    /**
     * The plugin graph as llm-d's loader builds it from this configuration, in the form the Go program under {@code
     * placement/src/test/go/llmdconfig} prints for llm-d's own loader: per profile the role filters' types, the
     * scorers' weights by plugin name and the picker; the handler's type, profile names and deciders.
     */
    public ObjectNode graph() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode out = f.objectNode();
        ObjectNode ps = out.putObject("profiles");
        profiles.forEach((name, spec) -> {
            ObjectNode p = ps.putObject(name);
            ArrayNode filters = p.putArray("filters");
            spec.filters().forEach(fl -> filters.add(configured(fl).type()));
            ObjectNode scorers = p.putObject("scorers");
            spec.scorers().forEach(scorers::put);
            Plugin picker = configured(spec.picker());
            p.putObject("picker").put("type", picker.type())
                .put("maxNumOfEndpoints", picker.integer("maxNumOfEndpoints", 1) <= 0 ? 1
                    : picker.integer("maxNumOfEndpoints", 1));
        });
        ObjectNode h = out.putObject("handler").put("type", handler.type());
        if (!handler.type().equals(SINGLE_HANDLER)) {
            ObjectNode names = h.putObject("profiles").put("decode", handler.decodeProfile())
                .put("prefill", handler.prefillProfile());
            if (handler.encodeProfile() != null) {
                names.put("encode", handler.encodeProfile());
            }
            String decider = handler.prefillDecider();
            if (decider != null) {
                Plugin d = configured(decider);
                ObjectNode dn = h.putObject("deciders").putObject("prefill").put("name", d.name()).put("type",
                    d.type());
                if (d.type().equals(SplitRule.PREFIX_BASED)) {
                    dn.put("nonCachedTokens", d.integer("nonCachedTokens", 0));
                }
            }
        }
        return out;
    }

    /**
     * This configuration as an llm-d EndpointPickerConfig: the plugins as configured (those llm-d's loader adds
     * included), each profile's references with every scorer's weight written out.
     *
     * @param apiVersion the apiVersion to write: {@value #API_VERSION}, or {@value #DEPRECATED_API_VERSION} for a
     *                   loader that predates it (llm-d-inference-scheduler v0.7.1)
     */
    public String toYaml(String apiVersion) {
        if (!apiVersion.equals(API_VERSION) && !apiVersion.equals(DEPRECATED_API_VERSION)) {
            throw new IllegalArgumentException("unsupported apiVersion '" + apiVersion + "': expected " + API_VERSION
                + " or " + DEPRECATED_API_VERSION);
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode().put("apiVersion", apiVersion).put("kind", KIND);
        if (!featureGates.isEmpty()) {
            ArrayNode gates = root.putArray("featureGates");
            featureGates.forEach(gates::add);
        }
        ArrayNode ps = root.putArray("plugins");
        plugins.values().forEach(p -> {
            ObjectNode n = ps.addObject();
            if (!p.name().equals(p.type())) {
                n.put("name", p.name());
            }
            n.put("type", p.type());
            if (!p.parameters().isEmpty()) {
                n.set("parameters", p.parameters().deepCopy());
            }
        });
        ArrayNode profs = root.putArray("schedulingProfiles");
        profiles.values().forEach(spec -> {
            ArrayNode refs = profs.addObject().put("name", spec.name()).putArray("plugins");
            for (Ref r : spec.refs()) {
                ObjectNode n = refs.addObject().put("pluginRef", r.pluginRef());
                Double w = spec.scorers().get(r.pluginRef());
                if (w != null) {
                    n.put("weight", w);
                }
            }
        });
        try {
            return new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)).writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("could not write YAML", e);
        }
    }

    private static Iterable<JsonNode> array(JsonNode node, String field) {
        JsonNode a = node.get(field);
        if (a == null || !a.isArray() || a.isEmpty()) {
            throw new IllegalArgumentException("'" + field + "' must be a non-empty list");
        }
        return a;
    }

    private static String text(JsonNode node, String field, @Nullable String otherwise) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (otherwise == null) {
                throw new IllegalArgumentException("'" + field + "' is required in " + node);
            }
            return otherwise;
        }
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("'" + field + "' must be a non-empty string, got " + v);
        }
        return v.asText();
    }
}
