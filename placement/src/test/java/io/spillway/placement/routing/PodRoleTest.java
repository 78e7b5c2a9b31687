package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.placement.index.BlockLocationIndex;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** llm-d's role semantics: its filters' admission table, and what the P/D decider picks from a mixed pool. */
class PodRoleTest {
    @Test
    void labelsAdmitAsLlmdsRoleFiltersDo() {
        // label -> admitted by decode-filter, prefill-filter, encode-filter (llm-d's filter/roles.go)
        Map<String, boolean[]> table = Map.of(
            "", new boolean[] {true, false, false},
            "decode", new boolean[] {true, false, false},
            "prefill", new boolean[] {false, true, false},
            "prefill-decode", new boolean[] {true, true, false},
            "both", new boolean[] {true, true, false},
            "encode", new boolean[] {false, false, true},
            "encode-prefill", new boolean[] {false, true, true},
            "encode-prefill-decode", new boolean[] {true, true, true});
        table.forEach((label, want) -> {
            PodRole r = PodRole.parse(label);
            assertEquals(want[0], RoleFilter.DECODE.admits(r), label + " decode");
            assertEquals(want[1], RoleFilter.PREFILL.admits(r), label + " prefill");
            assertEquals(want[2], RoleFilter.ENCODE.admits(r), label + " encode");
        });
        assertEquals(PodRole.UNLABELED, PodRole.parse(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PodRole.parse("chef"));
        assertTrue(e.getMessage().contains("chef"), e.getMessage());
    }

    @Test
    void unlabeledPodsDecodeButNeverPrefillAndEncodePodsDoNeither() {
        RoutingConfig c = RoutingConfig.preset("spillway-pd");
        RoutingRequest r = new RoutingRequest(2_048, 16, new long[0], new long[0], 0); // cold: all 2048 uncached
        for (int seed = 0; seed < 20; seed++) {
            List<Pod> pods = List.of(Pod.idle("enc", PodRole.ENCODE), Pod.idle("plain", PodRole.UNLABELED),
                Pod.idle("pre", PodRole.PREFILL));
            PrefixMatch m = new PrefixMatcher(new BlockLocationIndex(10)).match(r, pods, new PrefixMatch());
            Decision d = c.decider(TransferCostModel.defaults(), c.sharedScorers(), seed).decide(r, pods, m);
            assertEquals("plain", d.pod().id(), "the only decoder");
            assertEquals("pre", d.prefill().id(), "split at 512 uncached tokens, on the prefill pod");
            assertEquals(List.of("plain"), d.fallbacks().stream().map(Pod::id).toList());
        }
        List<Pod> noPrefiller = List.of(Pod.idle("plain", PodRole.UNLABELED), Pod.idle("enc", PodRole.ENCODE));
        PrefixMatch m = new PrefixMatcher(new BlockLocationIndex(10)).match(r, noPrefiller, new PrefixMatch());
        Decision d = c.decider(TransferCostModel.defaults(), c.sharedScorers(), 0).decide(r, noPrefiller, m);
        assertEquals("plain", d.pod().id());
        assertNull(d.prefill(), "an unlabelled pod is never a prefill pod");
        List<Pod> encodeOnly = List.of(Pod.idle("enc", PodRole.ENCODE));
        m = new PrefixMatcher(new BlockLocationIndex(10)).match(r, encodeOnly, new PrefixMatch());
        assertTrue(!c.decider(TransferCostModel.defaults(), c.sharedScorers(), 0).decide(r, encodeOnly, m).routed());
    }

    @Test
    void goDurationsReadAsGoWritesThem() {
        assertEquals(2, GoDuration.seconds("2s", "p"), 1e-12);
        assertEquals(90, GoDuration.seconds("1m30s", "p"), 1e-12);
        assertEquals(0.5, GoDuration.seconds("500ms", "p"), 1e-12);
        assertEquals(5_400, GoDuration.seconds("1.5h", "p"), 1e-9);
        assertEquals(0, GoDuration.seconds("0", "p"));
        for (String bad : List.of("", "2", "s", "2x", "1m-3s")) {
            assertThrows(IllegalArgumentException.class, () -> GoDuration.seconds(bad, "p"), bad);
        }
    }
}
