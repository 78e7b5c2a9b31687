package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.placement.routing.CostInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --costs} and the per-figure options of {@code bench eval} and {@code demo}, as a user types them. */
class CostOptionsTest {
    @TempDir
    Path dir;

    private static CostInputs resolve(String... args) {
        return CommandLine.populateCommand(new CostOptions(), args).resolve();
    }

    @Test
    void eachGivenFigureReplacesTheBaseAndSaysItWasGiven() {
        CostInputs c = resolve("--cpu-gbps", "2.5", "--nvme-gbps", "0.7", "--load-overhead-us", "50",
            "--prefill-tokens-per-s", "4000");
        assertEquals(2.5, c.cpuGbps());
        assertEquals(0.7, c.nvmeGbps());
        assertEquals(50, c.loadOverheadMicros());
        assertEquals(4000, c.prefillTokensPerSecond());
        assertEquals("given: --cpu-gbps", c.sources().get(CostInputs.CPU_GBPS));
        assertEquals("given: --prefill-tokens-per-s", c.sources().get(CostInputs.PREFILL_TOKENS_PER_S));
        CostInputs d = CostInputs.defaults();
        assertEquals(d.blockBytes(), c.blockBytes(), "figures not given stay the base's");
    }

    @Test
    void aMeasurementFileSetsTheLoadBandwidthAndAGivenOptionStillWins() throws Exception {
        Path m = dir.resolve("compare.json");
        Files.writeString(m, "{\"kind\":\"spillway-bench-compare\",\"costs\":{\"cpu_gbps\":1.5,\"source\":\"test\"}}");
        assertEquals(1.5, resolve("--costs", m.toString()).cpuGbps());
        assertEquals(9.0, resolve("--costs", m.toString(), "--cpu-gbps", "9").cpuGbps());
    }

    @Test
    void aModelShapeSetsTheBlockBytesAndBadShapesAreRefusedByName() {
        CostInputs c = resolve("--model-shape", "llama-3.1-8b");
        assertEquals(128 * 1024 * c.tokensPerBlock(), c.blockBytes(), "Llama-3.1-8B: 128 KiB a token");
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
            () -> resolve("--model-shape", "llama-3.1-8b", "--layers", "32"));
        assertTrue(both.getMessage().contains("exclude each other"), both.getMessage());
        IllegalArgumentException part = assertThrows(IllegalArgumentException.class, () -> resolve("--layers", "32"));
        assertTrue(part.getMessage().contains("--kv-heads"), part.getMessage());
        IllegalArgumentException file = assertThrows(IllegalArgumentException.class,
            () -> resolve("--costs", dir.resolve("absent.json").toString()));
        assertTrue(file.getMessage().contains("cannot read"), file.getMessage());
    }
}
