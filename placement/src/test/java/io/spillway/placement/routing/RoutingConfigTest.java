package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Presets and files read as llm-d reads an EndpointPickerConfig: weights, filters, the disaggregation handler and its
 * decider, the loader's defaults, and a clear error for each bad file.
 */
class RoutingConfigTest {
    private static final String HEAD = "apiVersion: llm-d.ai/v1alpha1\nkind: EndpointPickerConfig\n";

    @Test
    void llmdDefaultPresetWeighsPrefixThreeQueueTwoKvTwoWithoutSplit() {
        RoutingConfig c = RoutingConfig.preset("llm-d-default");
        assertEquals(Map.of("prefix-cache-scorer", 3.0, "queue-scorer", 2.0, "kv-cache-utilization-scorer", 2.0),
            c.decode());
        assertNull(c.prefill());
        assertEquals(List.of("decode-filter"), c.profiles().get("default").filters());
        assertEquals(Map.of("spillway-prefix-scorer", 3.0, "queue-scorer", 2.0, "kv-cache-utilization-scorer", 2.0),
            RoutingConfig.preset("spillway-default").decode());
    }

    @Test
    void loadOnlyPresetHasNoPrefixScorer() {
        RoutingConfig c = RoutingConfig.preset("load-only");
        assertEquals(Map.of("queue-scorer", 2.0, "kv-cache-utilization-scorer", 2.0), c.decode());
        assertNull(c.prefill());
        assertEquals(0, c.speculativeTtlNanos(), "no prefix scorer: no speculative entries");
    }

    @Test
    void speculativeEntriesFollowEachPrefixScorersParameters() {
        assertEquals(30_000_000_000L, RoutingConfig.preset("llm-d-default").speculativeTtlNanos());
        String file = HEAD + """
            plugins:
            - type: prefix-cache-scorer
              parameters: {speculativeTtlSeconds: %s}
            - type: queue-scorer
            schedulingProfiles:
            - name: default
              plugins:
              - {pluginRef: prefix-cache-scorer, weight: 3}
              - {pluginRef: queue-scorer, weight: 2}
            """;
        assertEquals(2_500_000_000L, RoutingConfig.parse(file.formatted("2.5")).speculativeTtlNanos());
        assertEquals(0, RoutingConfig.parse(file.formatted("0")).speculativeTtlNanos(), "0 turns them off");
        rejects(file.formatted("-1"), "TTL");
        String precise = HEAD + """
            plugins:
            - type: precise-prefix-cache-scorer
              parameters: {indexerConfig: {tokenProcessorConfig: {blockSize: 16}}%s}
            schedulingProfiles: [{name: default, plugins: [{pluginRef: precise-prefix-cache-scorer}]}]
            """;
        assertEquals(0, RoutingConfig.parse(precise.formatted("")).speculativeTtlNanos(), "llm-d: off by default");
        assertEquals(2_000_000_000L, RoutingConfig.parse(precise.formatted(", speculativeIndexing: true"))
            .speculativeTtlNanos(), "llm-d's default TTL, 2s");
        assertEquals(90_000_000_000L, RoutingConfig.parse(precise.formatted(
            ", speculativeIndexing: true, speculativeTTL: 1m30s")).speculativeTtlNanos());
        rejects(precise.formatted(", speculativeIndexing: true, speculativeTTL: soon"), "soon");
    }

    @Test
    void spillwayPdPresetSplitsAt512UncachedTokensOnPrefillPods() {
        RoutingConfig c = RoutingConfig.preset("spillway-pd");
        assertEquals(512, c.pdThreshold());
        assertEquals(SplitRule.prefixBased(512), c.splitRule());
        assertEquals(Map.of("prefix-cache-scorer", 1.0, "load-aware-scorer", 1.0), c.prefill());
        assertEquals(5, c.decode().size());
        assertEquals(List.of("prefill-filter"), c.profiles().get("prefill").filters());
    }

    @Test
    void theDisaggHandlerTakesItsProfilesAndDecidersByName() {
        RoutingConfig c = RoutingConfig.parse(HEAD + """
            plugins:
            - type: prefix-cache-scorer
            - name: light-load
              type: load-aware-scorer
              parameters: {threshold: 32}
            - type: max-score-picker
              parameters: {seed: 7, maxNumOfEndpoints: 1}
            - name: split-big
              type: prefix-based-pd-decider
              parameters: {nonCachedTokens: 1000}
            - type: disagg-profile-handler
              parameters:
                profiles: {decode: serve, prefill: warm}
                deciders: {prefill: split-big}
            schedulingProfiles:
            - name: serve
              plugins:
              - {pluginRef: prefix-cache-scorer, weight: 2}
              - {pluginRef: light-load, weight: 1.5}
              - {pluginRef: max-score-picker}
            - name: warm
              plugins:
              - {pluginRef: light-load}
            """);
        assertEquals(Map.of("prefix-cache-scorer", 2.0, "light-load", 1.5), c.decode());
        assertEquals(Map.of("light-load", 1.0), c.prefill(), "a scorer without a weight weighs 1");
        assertEquals(1000, c.pdThreshold());
        assertEquals(7, c.seed());
        assertEquals("max-score-picker", c.profiles().get("warm").picker(), "the configured picker, added");
        PdDecider d = c.decider(TransferCostModel.defaults(), c.sharedScorers(), 0);
        assertTrue(d != null);
    }

    @Test
    void theLoaderAddsAPickerAndASingleProfileHandlerWhereLlmdDoes() {
        RoutingConfig c = RoutingConfig.parse(HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: only, plugins: [{pluginRef: queue-scorer}]}]
            """);
        assertEquals("single-profile-handler", c.handler().type());
        assertEquals("max-score-picker", c.profiles().get("only").picker());
        assertEquals("max-score-picker", c.plugins().get("max-score-picker").type());
        assertEquals(0, c.pdThreshold());
    }

    @Test
    void aPrefillProfileWithoutADeciderNeverSplitsAndZeroNonCachedTokensDisablesTheSplit() {
        String file = HEAD + """
            plugins:
            - type: queue-scorer
            - type: prefix-based-pd-decider
              parameters: {nonCachedTokens: %d}
            - type: disagg-profile-handler
              parameters: %s
            schedulingProfiles:
            - {name: decode, plugins: [{pluginRef: queue-scorer}]}
            - {name: prefill, plugins: [{pluginRef: queue-scorer}]}
            """;
        assertNull(RoutingConfig.parse(file.formatted(16, "{}")).prefill(), "no deciders.prefill: P/D disabled");
        RoutingConfig zero = RoutingConfig.parse(file.formatted(0, "{deciders: {prefill: prefix-based-pd-decider}}"));
        assertTrue(!zero.splitRule().split(1e9), "nonCachedTokens 0: llm-d never splits");
        RoutingConfig legacy = RoutingConfig.parse(file.formatted(16, "{deciderPluginName: prefix-based-pd-decider}"));
        assertEquals(16, legacy.pdThreshold(), "llm-d's deprecated flat parameters still read");
    }

    @Test
    void llmdsLoadAwareFormulaAndSpillwaysUnderItsOwnName() {
        Pod idle = Pod.idle("a", PodRole.BOTH);
        Pod busy = new Pod("b", "b", PodRole.BOTH, true, 64, 10, 0, 3);
        LoadAwareScorer llmd = new LoadAwareScorer(128);
        assertEquals(0.5, llmd.scoreOf(idle), 1e-12, "llm-d: an empty queue scores 0.5");
        assertEquals(0.25, llmd.scoreOf(busy), 1e-12, "llm-d: 0.5 * (1 - 64/128), the waiting queue only");
        assertEquals(128, new LoadAwareScorer(0).threshold(), "llm-d: 0 means its default");
        SpillwayLoadScorer ours = new SpillwayLoadScorer(128);
        assertEquals(1.0, ours.scoreOf(idle), 1e-12);
        assertEquals(1 - 77.0 / 128, ours.scoreOf(busy), 1e-12, "waiting, running and in flight");
        assertEquals("spillway-load-scorer", ours.type());
    }

    @Test
    void badFilesAreRejectedNamingTheProblem() {
        rejects("plugins: [", "not valid YAML");
        rejects("- a\n- b\n", "mapping");
        String body = """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer}]}]
            """;
        rejects(body, "apiVersion");
        rejects("apiVersion: v1\nkind: EndpointPickerConfig\n" + body, "llm-d.ai/v1alpha1");
        rejects("apiVersion: llm-d.ai/v1alpha1\nkind: Pod\n" + body, "kind 'Pod'");
        rejects(HEAD + "saturationDetector: {pluginRef: x}\n" + body, "saturationDetector");
        rejects(HEAD + """
            plugins: [{type: magic-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: magic-scorer}]}]
            """, "unknown plugin type 'magic-scorer'");
        rejects(HEAD + """
            plugins: [{type: session-affinity-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: session-affinity-scorer}]}]
            """, "llm-d plugin Spillway does not implement");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: prefix-cache-scorer}]}]
            """, "prefix-cache-scorer");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer, weight: -1}]}]
            """, "-1");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles:
            - {name: default, plugins: [{pluginRef: queue-scorer}]}
            - {name: prefill, plugins: [{pluginRef: queue-scorer}]}
            """, "no profile handler");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}, {type: single-profile-handler}]
            schedulingProfiles:
            - {name: default, plugins: [{pluginRef: queue-scorer}]}
            - {name: prefill, plugins: [{pluginRef: queue-scorer}]}
            """, "multiple scheduling profiles");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}, {type: disagg-profile-handler}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer}]}]
            """, "'decode', which is not configured");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}, {type: disagg-profile-handler, parameters: {deciders: {prefill: nope}}}]
            schedulingProfiles: [{name: decode, plugins: [{pluginRef: queue-scorer}]}]
            """, "nope");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}, {type: pd-profile-handler, parameters: {threshold: 512}}]
            schedulingProfiles: [{name: decode, plugins: [{pluginRef: queue-scorer}]}]
            """, "nonCachedTokens");
        rejects(HEAD + """
            plugins: [{type: queue-scorer}, {type: queue-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer}]}]
            """, "two plugins");
        rejects(HEAD + """
            plugins: [{type: load-aware-scorer, parameters: {threshold: many}}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: load-aware-scorer}]}]
            """, "threshold");
        rejects(HEAD + """
            plugins: [{type: no-hit-lru-scorer, parameters: {capacity: 8}}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: no-hit-lru-scorer}]}]
            """, "lruSize");
        assertThrows(IllegalArgumentException.class, () -> RoutingConfig.preset("fastest"));
    }

    @Test
    void presetsWrittenInLlmdFormReadBackToTheSameGraph() {
        for (String name : RoutingConfig.PRESETS) {
            RoutingConfig c = RoutingConfig.preset(name);
            String yaml = c.toYaml(RoutingConfig.API_VERSION);
            assertTrue(yaml.startsWith("apiVersion: llm-d.ai/v1alpha1\nkind: EndpointPickerConfig\n"), yaml);
            RoutingConfig back = RoutingConfig.parse(yaml);
            assertEquals(c.graph(), back.graph(), name);
            assertEquals(c.speculativeTtlNanos(), back.speculativeTtlNanos(), name);
            assertEquals(RoutingConfig.DEPRECATED_API_VERSION,
                RoutingConfig.parse(c.toYaml(RoutingConfig.DEPRECATED_API_VERSION)).apiVersion());
        }
    }

    static void rejects(String yaml, String mention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RoutingConfig.parse(yaml));
        assertTrue(e.getMessage().contains(mention), "'" + e.getMessage() + "' should mention " + mention);
    }
}
