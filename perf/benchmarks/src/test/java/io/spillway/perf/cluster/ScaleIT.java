package io.spillway.perf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench scale} on real processes, shortened for CI: a one-node and a two-node cluster, each measured in two
 * interleaved windows. Asserts what must hold at any speed — every window served blocks, no wrong byte, every
 * acknowledged block readable at the end, the CPU readings present; the ratios themselves are figures for
 * docs/benchmarks.md, not assertions.
 */
class ScaleIT {
    @Test
    void everySizeServesTheSameVerifiedLoad() throws Exception {
        ScaleSettings settings = new ScaleSettings(List.of(1, 2), 1, 64 << 10, 4, 0.3, 2, 1, 2, 2, "128m", 3,
            List.of());
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(text, true, StandardCharsets.UTF_8);
        ScaleReport r = new ScaleScenario(settings, Path.of("target", "it", "ScaleIT"), log).run();
        ScaleCommand.print(r, log);
        String out = text.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertTrue(r.passed(), out);
        assertEquals(2, r.sizes().size(), out);
        for (ScaleReport.Size z : r.sizes()) {
            assertEquals(2, z.windows().size(), out);
            assertTrue(z.acked() > 0, out);
            for (ScaleReport.Window w : z.windows()) {
                assertTrue(w.blocksPerSec() > 0 && w.getsOk() > 0 && w.putsOk() > 0, out);
                assertTrue(w.nodeCores() > 0, "node CPU read: " + out);
            }
        }
        assertTrue(ScaleCommand.toJson(r).contains("\"ratio_to_first\""), out);
    }
}
