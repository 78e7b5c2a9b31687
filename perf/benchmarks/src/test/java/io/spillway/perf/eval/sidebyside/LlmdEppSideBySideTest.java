package io.spillway.perf.eval.sidebyside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.sim.MooncakeTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * llm-d's own router and Spillway's, side by side: llm-d's EPP (bin/llmd-epp: llm-d-inference-scheduler v0.7.1's
 * plugins in the Gateway API Inference Extension v1.4.0 EPP, llm-d's default configuration) and Spillway's router
 * (preset {@code spillway-default}, fed by the pods' KV events), each driven by the same {@link
 * io.spillway.router.extproc.FakeEnvoy} client over the same llm-d-inference-sim pods, started fresh for each router.
 *
 * <p>The Mooncake test replays a slice of the trace the demo ships at the trace's arrival times; its defaults keep it
 * short for CI, and system properties make it the documented run (docs/evaluation.md): {@code spillway.sbs.from},
 * {@code .rows}, {@code .timeScale} (arrivals divided by it), {@code .pods}, {@code .tokensPerHashId},
 * {@code .prefillMicrosPerToken}, {@code .kvCacheBlocks}, {@code .maxNumSeqs}, {@code .trace} (another trace file).
 * The table goes to target/side-by-side/mooncake.md.
 */
class LlmdEppSideBySideTest {
    private static final String MODEL = "sbs-model";
    private static final Path OUT = Path.of("target", "side-by-side");

    private static int prop(String name, int def) {
        return Integer.getInteger("spillway.sbs." + name, def);
    }

    private static double dprop(String name, double def) {
        String v = System.getProperty("spillway.sbs." + name);
        return v == null ? def : Double.parseDouble(v);
    }

    private static SimSettings sims(int kvCacheBlocks) {
        return new SimSettings(MODEL, Duration.ofNanos(1_000L * prop("prefillMicrosPerToken", 1_000)),
            Duration.ofMillis(prop("prefillOverheadMillis", 5)), Duration.ZERO, prop("maxNumSeqs", 8), kvCacheBlocks,
            prop("maxModelLen", 16_384));
    }

    /**
     * Groups of prompts sharing a prefix that was first sent straight to one pod, as if another router had: only the
     * pods' KV events can tell a router where it is. Spillway's router, fed by them, must find at least the hits
     * llm-d's EPP finds (whose prefix scorer learns only from its own decisions), every request through both.
     */
    @Test
    void spillwayFindsPrefixesOnlyTheKvEventsReveal() throws Exception {
        int pods = 3;
        int groups = 6;
        int perGroup = 4;
        SideBySideReplay replay = new SideBySideReplay(GoPrograms.simulator(), sims(4_096), pods, 4,
            Files.createDirectories(OUT.resolve("seeded")));
        List<SideBySideReplay.Seed> seeds = new ArrayList<>();
        List<TracePrompts.Request> requests = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            StringBuilder prefix = new StringBuilder();
            TracePrompts.appendWords(prefix, 5_000_000L + g, 16 * SimSettings.BLOCK);
            seeds.add(new SideBySideReplay.Seed(g % pods, prefix + "seed question"));
            for (int k = 0; k < perGroup; k++) {
                requests.add(new TracePrompts.Request(50L * (k * groups + g), prefix + "question " + k, 0));
            }
        }
        requests.sort((a, b) -> Long.compare(a.atMillis(), b.atMillis()));
        ReplayResult llmd = replay.run(LlmdEppRouter.factory(GoPrograms.llmdEpp(),
            OUT.resolve("seeded-llmdepp.log"), null), seeds, requests);
        ReplayResult spillway = replay.run(SpillwayRouterInProcess.factory("spillway-default", true), seeds, requests);
        System.out.println(ReplayResult.header() + "\n" + llmd.row() + "\n" + spillway.row());

        for (ReplayResult r : List.of(llmd, spillway)) {
            assertEquals(List.of(), r.failures(), r.router() + ": every request routed and streamed");
            assertEquals(requests.size(), r.served(), r.router() + ": the pods served every request");
        }
        long prefixTokens = 16L * SimSettings.BLOCK;
        assertTrue(spillway.hitTokens() >= (long) requests.size() * (prefixTokens - SimSettings.BLOCK),
            "Spillway's router sends every request to the pod holding its prefix: " + spillway.row());
        assertTrue(spillway.hitTokens() >= llmd.hitTokens(), "Spillway's hits not below llm-d's:\n" + llmd.row()
            + "\n" + spillway.row());
    }

    /** The same slice of the Mooncake trace through both routers; both must route and serve every request. */
    @Test
    void mooncakeSliceThroughBothRouters() throws Exception {
        Path trace = Path.of(System.getProperty("spillway.sbs.trace", GoPrograms.root()
            .resolve("perf/demo/src/main/resources/traces/mooncake-conversation-first2000.jsonl").toString()));
        int from = prop("from", 0);
        int rows = prop("rows", 60);
        int pods = prop("pods", 3);
        int tokensPerHashId = prop("tokensPerHashId", 16);
        double timeScale = dprop("timeScale", 1);
        SimSettings sims = sims(prop("kvCacheBlocks", 2_048));
        List<TracePrompts.Request> requests = TracePrompts.of(MooncakeTrace.rows(trace), from, from + rows,
            tokensPerHashId, timeScale);
        SideBySideReplay replay = new SideBySideReplay(GoPrograms.simulator(), sims, pods, 4,
            Files.createDirectories(OUT.resolve("mooncake")));
        ReplayResult llmd = replay.run(LlmdEppRouter.factory(GoPrograms.llmdEpp(),
            OUT.resolve("mooncake-llmdepp.log"), null), List.of(), requests);
        ReplayResult spillway = replay.run(SpillwayRouterInProcess.factory("spillway-default", true), List.of(),
            requests);

        String table = "Mooncake " + trace.getFileName() + " rows " + from + ".." + (from + rows - 1) + ", arrivals / "
            + timeScale + ", " + tokensPerHashId + " tokens per trace block, " + pods + " pods: " + sims.describe()
            + "\n\n" + ReplayResult.header() + "\n" + llmd.row() + "\n" + spillway.row() + "\n";
        Files.writeString(OUT.resolve("mooncake.md"), table);
        System.out.println(table);
        for (ReplayResult r : List.of(llmd, spillway)) {
            assertEquals(List.of(), r.failures(), r.router() + ": every request routed and streamed");
            assertEquals(rows, r.served(), r.router() + ": the pods served every request");
            assertTrue(r.ttftP50Ms() > 0 && r.ttftP90Ms() >= r.ttftP50Ms(), r.router() + ": TTFT measured");
        }
    }
}
