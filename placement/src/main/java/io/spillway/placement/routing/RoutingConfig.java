package io.spillway.placement.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The router's scheduling configuration, read from YAML in the spirit of llm-d's {@code EndpointPickerConfig}:
 * plugins (scorers, a picker, the P/D handler), each with a type, an optional name and parameters, and scheduling
 * profiles that weight the scorers by reference. A profile named {@code prefill} is the prefill side of a split;
 * the other profile (named {@code decode} or {@code default}) serves every request.
 *
 * <pre>
 * plugins:
 * - type: prefix-cache-scorer
 * - type: queue-scorer
 * - type: kv-cache-utilization-scorer
 * - type: max-score-picker
 *   parameters: {seed: 1}
 * - type: pd-profile-handler
 *   parameters: {threshold: 512}
 * schedulingProfiles:
 * - name: decode
 *   plugins:
 *   - {pluginRef: prefix-cache-scorer, weight: 3}
 *   - {pluginRef: queue-scorer, weight: 2}
 *   - {pluginRef: kv-cache-utilization-scorer, weight: 2}
 * - name: prefill
 *   plugins:
 *   - {pluginRef: prefix-cache-scorer, weight: 1}
 *   - {pluginRef: load-aware-scorer, weight: 1}
 * </pre>
 *
 * <p>The prefix-cache-scorer's {@code speculativeTtlSeconds} (default {@value #DEFAULT_SPECULATIVE_TTL_SECONDS}; 0
 * turns it off) keeps speculative entries for what the router sends ({@link SpeculativeBlocks}) at most that long.
 *
 * <p>Presets by name ({@link #preset}): {@code llm-d-default} (llm-d's default weights: prefix 3, queue 2, KV
 * utilisation 2, no split) and {@code spillway-pd} (the same plus load-aware 1 and the no-hit spreader 1, and a
 * split at 512 uncached tokens with a prefill profile of prefix 1 and load-aware 1) and {@code load-only} (queue 2
 * and KV utilisation 2: no prefix, for comparison).
 *
 * @param decode          the serving profile's scorers and weights, by plugin name
 * @param prefill         the prefill profile's, or null for no split
 * @param pdThreshold     uncached tokens from which a request is split
 * @param seed            the picker's tie-break seed
 * @param plugins         plugin name to type and parameters
 */
public record RoutingConfig(Map<String, Double> decode, Map<String, Double> prefill, int pdThreshold, long seed,
                            Map<String, Plugin> plugins) {
    /** A configured plugin: its type and parameters (numbers). */
    public record Plugin(String type, Map<String, Double> parameters) {
    }

    public static final String PD_HANDLER = "pd-profile-handler";
    public static final double DEFAULT_SPECULATIVE_TTL_SECONDS = 30;
    public static final int DEFAULT_PD_THRESHOLD = 512;
    private static final Set<String> SCORERS = Set.of(PrefixScorer.TYPE, QueueScorer.TYPE, KvUtilizationScorer.TYPE,
        LoadAwareScorer.TYPE, NoHitSpreader.TYPE);
    private static final Set<String> TYPES = Set.of(PrefixScorer.TYPE, QueueScorer.TYPE, KvUtilizationScorer.TYPE,
        LoadAwareScorer.TYPE, NoHitSpreader.TYPE, MaxScorePicker.TYPE, PD_HANDLER);

    /** The configuration of a preset name; see the class comment. */
    public static RoutingConfig preset(String name) {
        return switch (name) {
            case "llm-d-default" -> parse("""
                plugins:
                - type: prefix-cache-scorer
                - type: queue-scorer
                - type: kv-cache-utilization-scorer
                - type: max-score-picker
                schedulingProfiles:
                - name: default
                  plugins:
                  - {pluginRef: prefix-cache-scorer, weight: 3}
                  - {pluginRef: queue-scorer, weight: 2}
                  - {pluginRef: kv-cache-utilization-scorer, weight: 2}
                """);
            case "spillway-pd" -> parse("""
                plugins:
                - type: prefix-cache-scorer
                - type: queue-scorer
                - type: kv-cache-utilization-scorer
                - type: load-aware-scorer
                  parameters: {threshold: 128}
                - type: no-hit-lru-scorer
                - type: max-score-picker
                - type: pd-profile-handler
                  parameters: {threshold: 512}
                schedulingProfiles:
                - name: decode
                  plugins:
                  - {pluginRef: prefix-cache-scorer, weight: 3}
                  - {pluginRef: queue-scorer, weight: 2}
                  - {pluginRef: kv-cache-utilization-scorer, weight: 2}
                  - {pluginRef: load-aware-scorer, weight: 1}
                  - {pluginRef: no-hit-lru-scorer, weight: 1}
                - name: prefill
                  plugins:
                  - {pluginRef: prefix-cache-scorer, weight: 1}
                  - {pluginRef: load-aware-scorer, weight: 1}
                """);
            case "load-only" -> parse("""
                plugins:
                - type: queue-scorer
                - type: kv-cache-utilization-scorer
                - type: max-score-picker
                schedulingProfiles:
                - name: default
                  plugins:
                  - {pluginRef: queue-scorer, weight: 2}
                  - {pluginRef: kv-cache-utilization-scorer, weight: 2}
                """);
            default -> throw new IllegalArgumentException("unknown routing preset '" + name
                + "': expected llm-d-default, spillway-pd or load-only");
        };
    }

    /**
     * Reads a configuration.
     *
     * @throws IllegalArgumentException naming what is wrong: unparsable YAML, an unknown plugin type, a reference to
     *                                  no plugin, a negative weight, a missing or extra profile
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
        Map<String, Plugin> plugins = new HashMap<>();
        for (JsonNode p : array(root, "plugins")) {
            String type = text(p, "type", null);
            if (!TYPES.contains(type)) {
                throw new IllegalArgumentException("unknown plugin type '" + type + "': expected one of "
                    + new java.util.TreeSet<>(TYPES));
            }
            String name = text(p, "name", type);
            Map<String, Double> parameters = new HashMap<>();
            JsonNode params = p.get("parameters");
            if (params != null && !params.isNull()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isNumber()) {
                        throw new IllegalArgumentException("plugin " + name + ": parameter " + e.getKey()
                            + " must be a number, got " + e.getValue());
                    }
                    parameters.put(e.getKey(), e.getValue().asDouble());
                }
            }
            if (plugins.put(name, new Plugin(type, Map.copyOf(parameters))) != null) {
                throw new IllegalArgumentException("two plugins are named '" + name + "': give one a name");
            }
        }
        Map<String, Double> decode = null;
        Map<String, Double> prefill = null;
        for (JsonNode profile : array(root, "schedulingProfiles")) {
            String name = text(profile, "name", null);
            Map<String, Double> weights = new java.util.LinkedHashMap<>();
            for (JsonNode ref : array(profile, "plugins")) {
                String plugin = text(ref, "pluginRef", null);
                Plugin p = plugins.get(plugin);
                if (p == null) {
                    throw new IllegalArgumentException("profile " + name + " refers to plugin '" + plugin
                        + "', which is not configured");
                }
                if (!SCORERS.contains(p.type())) {
                    continue; // the picker and handlers may be listed in a profile too: they carry no weight
                }
                double weight = ref.has("weight") ? ref.get("weight").asDouble(Double.NaN) : 1;
                if (!(weight >= 0) || Double.isInfinite(weight)) {
                    throw new IllegalArgumentException("profile " + name + ": weight of " + plugin
                        + " must be a finite number >= 0, got " + ref.get("weight"));
                }
                weights.put(plugin, weight);
            }
            if (weights.isEmpty()) {
                throw new IllegalArgumentException("profile " + name + " weights no scorer");
            }
            if (name.equals("prefill")) {
                prefill = Map.copyOf(weights);
            } else if (decode == null) {
                decode = java.util.Collections.unmodifiableMap(weights);
            } else {
                throw new IllegalArgumentException("profiles besides 'prefill': expected one (decode or default),"
                    + " found another named '" + name + "'");
            }
        }
        if (decode == null) {
            throw new IllegalArgumentException("no serving profile: add one named decode or default");
        }
        Plugin handler = plugins.values().stream().filter(p -> p.type().equals(PD_HANDLER)).findFirst().orElse(null);
        if (prefill != null && handler == null) {
            throw new IllegalArgumentException("a prefill profile needs a pd-profile-handler plugin");
        }
        int threshold = handler == null ? DEFAULT_PD_THRESHOLD
            : (int) (double) handler.parameters().getOrDefault("threshold", (double) DEFAULT_PD_THRESHOLD);
        if (threshold < 0) {
            throw new IllegalArgumentException("pd-profile-handler threshold must be >= 0, got " + threshold);
        }
        long seed = plugins.values().stream().filter(p -> p.type().equals(MaxScorePicker.TYPE))
            .map(p -> p.parameters().getOrDefault("seed", 0.0).longValue()).findFirst().orElse(0L);
        RoutingConfig config = new RoutingConfig(decode, prefill, threshold, seed, Map.copyOf(plugins));
        config.speculativeTtlNanos(); // checks the parameter
        return config;
    }

    /**
     * How long speculative entries may stay ({@link SpeculativeBlocks}): the prefix-cache-scorer's {@code
     * speculativeTtlSeconds}, in nanoseconds; 0 when off or when no profile scores prefixes.
     */
    public long speculativeTtlNanos() {
        boolean scored = java.util.stream.Stream.concat(decode.keySet().stream(),
            prefill == null ? java.util.stream.Stream.<String>empty() : prefill.keySet().stream())
            .anyMatch(name -> plugins.get(name) != null && plugins.get(name).type().equals(PrefixScorer.TYPE));
        double seconds = plugins.values().stream().filter(p -> p.type().equals(PrefixScorer.TYPE))
            .mapToDouble(p -> p.parameters().getOrDefault("speculativeTtlSeconds", DEFAULT_SPECULATIVE_TTL_SECONDS))
            .max().orElse(0);
        if (!(seconds >= 0) || seconds > 3_600) {
            throw new IllegalArgumentException("prefix-cache-scorer speculativeTtlSeconds must be 0 to 3600, got "
                + seconds);
        }
        return scored ? Math.round(seconds * 1e9) : 0;
    }

    /**
     * A decider for one thread: fresh profiles and picker (they keep scratch; the picker seeded with {@code seed +
     * thread}, so each thread draws its own ties and a run is repeatable); scorers that learn from decisions ({@link
     * NoHitSpreader}) are taken from {@code shared} so that every thread's decisions feed one of each.
     */
    public PdDecider decider(TransferCostModel model, Map<String, Scorer> shared, int thread) {
        Profile d = profile("decode", decode, shared);
        Profile p = prefill == null ? null : profile("prefill", prefill, shared);
        return new PdDecider(d, p, pdThreshold, new MaxScorePicker(seed + thread), model);
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

    private Profile profile(String name, Map<String, Double> weights, Map<String, Scorer> shared) {
        List<Profile.Weighted> scorers = new ArrayList<>();
        weights.forEach((plugin, weight) -> scorers.add(new Profile.Weighted(scorer(plugin, shared), weight)));
        return new Profile(name, scorers);
    }

    private Scorer scorer(String plugin, Map<String, Scorer> shared) {
        Plugin p = plugins.get(plugin);
        return switch (p.type()) {
            case PrefixScorer.TYPE -> new PrefixScorer();
            case QueueScorer.TYPE -> new QueueScorer();
            case KvUtilizationScorer.TYPE -> new KvUtilizationScorer();
            case LoadAwareScorer.TYPE -> new LoadAwareScorer(
                (int) (double) p.parameters().getOrDefault("threshold", (double) LoadAwareScorer.DEFAULT_THRESHOLD));
            case NoHitSpreader.TYPE -> shared.computeIfAbsent(plugin, k -> spreader(p));
            default -> throw new IllegalStateException("not a scorer: " + p.type());
        };
    }

    private static NoHitSpreader spreader(Plugin p) {
        return new NoHitSpreader((int) (double) p.parameters().getOrDefault("capacity", 1024.0));
    }

    private static Iterable<JsonNode> array(JsonNode node, String field) {
        JsonNode a = node.get(field);
        if (a == null || !a.isArray() || a.isEmpty()) {
            throw new IllegalArgumentException("'" + field + "' must be a non-empty list");
        }
        return a;
    }

    private static String text(JsonNode node, String field, String otherwise) {
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
