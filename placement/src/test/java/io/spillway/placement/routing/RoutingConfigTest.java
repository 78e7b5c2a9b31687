package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Presets and files: llm-d's default weights by name, a split profile, and a clear error for each bad file. */
class RoutingConfigTest {
    @Test
    void llmdDefaultPresetWeighsPrefixThreeQueueTwoKvTwoWithoutSplit() {
        RoutingConfig c = RoutingConfig.preset("llm-d-default");
        assertEquals(Map.of("prefix-cache-scorer", 3.0, "queue-scorer", 2.0, "kv-cache-utilization-scorer", 2.0),
            c.decode());
        assertNull(c.prefill());
    }

    @Test
    void loadOnlyPresetHasNoPrefixScorer() {
        RoutingConfig c = RoutingConfig.preset("load-only");
        assertEquals(Map.of("queue-scorer", 2.0, "kv-cache-utilization-scorer", 2.0), c.decode());
        assertNull(c.prefill());
        assertEquals(0, c.speculativeTtlNanos(), "no prefix scorer: no speculative entries");
    }

    @Test
    void speculativeEntriesLastThirtySecondsUnlessTheFileSaysOtherwise() {
        assertEquals(30_000_000_000L, RoutingConfig.preset("llm-d-default").speculativeTtlNanos());
        String file = """
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
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RoutingConfig.parse(file.formatted("-1")));
        assertTrue(e.getMessage().contains("speculativeTtlSeconds"), e.getMessage());
    }

    @Test
    void spillwayPdPresetSplitsAt512() {
        RoutingConfig c = RoutingConfig.preset("spillway-pd");
        assertEquals(512, c.pdThreshold());
        assertEquals(Map.of("prefix-cache-scorer", 1.0, "load-aware-scorer", 1.0), c.prefill());
        assertEquals(5, c.decode().size());
    }

    @Test
    void aFileWithNamedPluginsParametersAndASeed() {
        RoutingConfig c = RoutingConfig.parse("""
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: prefix-cache-scorer
            - name: light-load
              type: load-aware-scorer
              parameters: {threshold: 32}
            - type: max-score-picker
              parameters: {seed: 7}
            - type: pd-profile-handler
              parameters: {threshold: 1000}
            schedulingProfiles:
            - name: default
              plugins:
              - {pluginRef: prefix-cache-scorer, weight: 2}
              - {pluginRef: light-load, weight: 1.5}
              - {pluginRef: max-score-picker}
            - name: prefill
              plugins:
              - {pluginRef: light-load}
            """);
        assertEquals(Map.of("prefix-cache-scorer", 2.0, "light-load", 1.5), c.decode());
        assertEquals(Map.of("light-load", 1.0), c.prefill());
        assertEquals(1000, c.pdThreshold());
        assertEquals(7, c.seed());
        PdDecider d = c.decider(TransferCostModel.defaults(), c.sharedScorers(), 0);
        assertTrue(d != null);
    }

    @Test
    void badFilesAreRejectedNamingTheProblem() {
        rejects("plugins: [", "not valid YAML");
        rejects("- a\n- b\n", "mapping");
        rejects("""
            plugins: [{type: magic-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: magic-scorer}]}]
            """, "magic-scorer");
        rejects("""
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: prefix-cache-scorer}]}]
            """, "prefix-cache-scorer");
        rejects("""
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer, weight: -1}]}]
            """, "-1");
        rejects("""
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: prefill, plugins: [{pluginRef: queue-scorer}]}]
            """, "no serving profile");
        rejects("""
            plugins: [{type: queue-scorer}]
            schedulingProfiles:
            - {name: default, plugins: [{pluginRef: queue-scorer}]}
            - {name: prefill, plugins: [{pluginRef: queue-scorer}]}
            """, "pd-profile-handler");
        rejects("""
            plugins: [{type: queue-scorer}, {type: queue-scorer}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer}]}]
            """, "two plugins");
        rejects("""
            plugins: [{type: load-aware-scorer, parameters: {threshold: many}}]
            schedulingProfiles: [{name: default, plugins: [{pluginRef: load-aware-scorer}]}]
            """, "threshold");
        assertThrows(IllegalArgumentException.class, () -> RoutingConfig.preset("fastest"));
    }

    private static void rejects(String yaml, String mention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RoutingConfig.parse(yaml));
        assertTrue(e.getMessage().contains(mention), "'" + e.getMessage() + "' should mention " + mention);
    }
}
