package io.spillway.router.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.service.RouterContext;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router values a cluster hit at what the costs file says: below the break-even it is worth nothing. */
class CostsFileRoutingTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();
    private static final String PROMPT = "You are a helpful assistant who answers questions about KV caches, "
        + "tiers and routing, at length and with care.";

    @TempDir
    Path dir;

    private Outcome decide(TransferCostModel model) {
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        RoutingRequest keyed = new PromptKeys(new CharacterTokenizer(1), NS).of(PROMPT).request();
        index.addAll(index.location(Location.node("node-1", Medium.CPU)), keyed.his(), keyed.los(), keyed.blocks());
        RequestScheduler s = new RequestScheduler(index, () -> List.of(Pod.idle("10.0.0.1:8000", PodRole.BOTH),
            Pod.idle("10.0.0.2:8000", PodRole.BOTH)), new PromptKeys(new CharacterTokenizer(1), NS),
            RoutingConfig.preset("spillway-default"), model, 0);
        Outcome o = s.schedule(("{\"model\": \"m\", \"prompt\": \"" + PROMPT + "\"}").getBytes(StandardCharsets.UTF_8),
            null);
        assertEquals(Outcome.Kind.ROUTED, o.kind());
        return o;
    }

    private TransferCostModel fromFile(double cpuGbps) throws IOException {
        Path file = dir.resolve("costs-" + cpuGbps + ".json");
        Files.writeString(file, """
            {"kind": "spillway-costs", "cpu_gbps": %s, "nvme_gbps": %s, "load_overhead_us": 200,
             "prefill_tokens_per_s": 8000, "tokens_per_block": 16, "model": "llama-3.1-8b"}
            """.formatted(cpuGbps, cpuGbps));
        // what the router is built with: RouterMain's --costs sets this property's file
        return RouterContext.builder().costsFile(file).namespace(NS).staticPod("127.0.0.1:8000").build().costModel();
    }

    @Test
    void atHalfAGigabyteASecondTheRouterPrefersPrefill() throws IOException {
        Outcome fast = decide(fromFile(10));
        Outcome slow = decide(fromFile(0.5));
        Outcome defaults = decide(TransferCostModel.defaults());
        assertTrue(fast.decision().hitTokens() > 0, "at 10 GB/s the cluster's blocks are worth loading");
        assertEquals(defaults.decision().hitTokens(), fast.decision().hitTokens(), 1e-9, "the defaults are 10 GB/s");
        assertEquals(0, slow.decision().hitTokens(), 1e-9, "at 0.5 GB/s a load takes longer than the prefill");
        assertEquals(slow.decision().hitTokens() + slow.decision().uncachedTokens(),
            fast.decision().hitTokens() + fast.decision().uncachedTokens(), 1e-9);
    }

    @Test
    void aBadCostsFileIsAnErrorNamingTheSetting() throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"cpu_gbps\": 0}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RouterContext.builder().costsFile(file));
        assertTrue(e.getMessage().startsWith("costsFile (spillway.router.costsFile): " + file + ": missing "),
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RouterContext.builder().costsFile(dir.resolve("none")));
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    }
}
