package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.placement.index.Medium;
import org.junit.jupiter.api.Test;

class CostFileTest {
    private static final String FULL = """
        {"kind": "spillway-costs", "cpu_gbps": 1.2, "nvme_gbps": 0.9, "load_overhead_us": 150,
         "prefill_tokens_per_s": 16000, "tokens_per_block": 16, "model": "llama-3.1-70b",
         "sources": {"cpu_gbps": "measured: bench bridge, 2026-12-07"}}
        """;

    @Test
    void aCostFileGivesEveryFigureAndTheBlockFromTheModel() {
        CostInputs c = CostFile.parse(FULL, "costs.json", CostInputs.defaults());
        TransferCostModel m = c.model();
        assertEquals(1.2e9, m.cpuBytesPerSecond(), 1);
        assertEquals(0.9e9, m.nvmeBytesPerSecond(), 1);
        assertEquals(150_000, m.overheadNanosPerLoad());
        assertEquals(16_000, m.prefillTokensPerSecond());
        assertEquals(16L * 320 * 1024, m.bytesPerBlock());
        assertEquals("measured: bench bridge, 2026-12-07", c.sources().get(CostInputs.CPU_GBPS));
        assertTrue(c.sources().get(CostInputs.BLOCK_BYTES).startsWith("llama-3.1-70b"), c.sources().toString());
        assertTrue(c.describe().contains("source not given"), c.describe());
    }

    @Test
    void writtenFilesReadBackTheSame() {
        CostInputs c = CostFile.parse(FULL, "costs.json", CostInputs.defaults());
        assertEquals(c, CostFile.parse(CostFile.write(c), "again", CostInputs.defaults()));
    }

    @Test
    void anExplicitShapeGivesTheBlock() {
        CostInputs c = CostFile.parse("""
            {"cpu_gbps": 10, "nvme_gbps": 3, "load_overhead_us": 0, "prefill_tokens_per_s": 8000,
             "tokens_per_block": 32, "model_shape": {"layers": 32, "kv_heads": 8, "head_size": 128, "dtype": "bf16"}}
            """, "f", CostInputs.defaults());
        assertEquals(4L << 20, c.blockBytes());
    }

    @Test
    void missingFieldsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(
            "{\"cpu_gbps\": 10, \"tokens_per_block\": 16}", "bad.json", CostInputs.defaults()));
        assertEquals("bad.json: missing nvme_gbps, load_overhead_us, prefill_tokens_per_s, block_bytes (or model, or "
            + "model_shape)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(FULL.replace("\"head_size\"", "x")
            .replace("\"model\": \"llama-3.1-70b\"", "\"model_shape\": {\"layers\": 2, \"kv_heads\": 1, "
                + "\"dtype\": \"bf16\"}"), "s.json", CostInputs.defaults()));
        assertEquals("s.json model_shape: missing head_size", e.getMessage());
    }

    @Test
    void zeroOrNegativeBandwidthIsAnError() {
        for (String bad : new String[] {"0", "-1.5"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(
                FULL.replace("\"cpu_gbps\": 1.2", "\"cpu_gbps\": " + bad), "c.json", CostInputs.defaults()));
            assertEquals("c.json: cpu_gbps must be > 0, got " + bad, e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(
            FULL.replace("\"load_overhead_us\": 150", "\"load_overhead_us\": -1"), "c.json", CostInputs.defaults()));
        assertEquals("c.json: load_overhead_us must be >= 0, got -1.0", e.getMessage());
    }

    @Test
    void unknownModelsAndBadDocumentsAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(
            FULL.replace("llama-3.1-70b", "llama-9"), "c.json", CostInputs.defaults()));
        assertTrue(e.getMessage().startsWith("c.json: unknown model shape 'llama-9': known ["), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse("{", "c.json", CostInputs.defaults()));
        assertTrue(e.getMessage().startsWith("c.json: not JSON"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(FULL.replace("\"model\"",
            "\"block_bytes\": 5, \"model\""), "c.json", CostInputs.defaults()));
        assertTrue(e.getMessage().contains("give the block's size once"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(FULL.replace("\"sources\": {",
            "\"sources\": {\"cpu_gbs\": \"typo\", "), "c.json", CostInputs.defaults()));
        assertTrue(e.getMessage().contains("unknown figure 'cpu_gbs'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CostFile.parse(
            "{\"kind\": \"spillway-bench-compare\", \"version\": 1}", "compare.json", CostInputs.defaults()));
        assertTrue(e.getMessage().contains("without a 'costs' object"), e.getMessage());
    }

    @Test
    void aMeasurementReplacesTheCpuBandwidthAndBoundsNvme() {
        CostInputs c = CostFile.parse("""
            {"kind": "spillway-bench-compare", "costs": {"cpu_gbps": 1.21, "source": "bench compare, 2026-12-07"}}
            """, "compare.json", CostInputs.defaults());
        assertEquals(1.21, c.cpuGbps());
        assertEquals(1.21, c.nvmeGbps());
        assertEquals(8_000, c.prefillTokensPerSecond());
        assertEquals(2L << 20, c.blockBytes());
        assertTrue(c.sources().get(CostInputs.CPU_GBPS).startsWith("measured: bench compare, 2026-12-07"));
        assertTrue(c.sources().get(CostInputs.NVME_GBPS).startsWith("bounded by the measured cpu_gbps"));
        CostInputs fast = CostFile.parse("{\"kind\": \"spillway-bench-bridge\", \"costs\": {\"cpu_gbps\": 20}}", "b",
            CostInputs.defaults());
        assertEquals(3, fast.nvmeGbps());
    }

    @Test
    void breakEvenIsBytesPerTokenTimesPrefillRate() {
        CostInputs d = CostInputs.defaults();
        assertEquals(131_072 * 8_000 / 1e9, d.breakEvenGbps(), 1e-9);
        // just above the break-even a CPU hit is worth something, just below nothing (overhead aside)
        TransferCostModel above = d.with(CostInputs.CPU_GBPS, 1.1, "t").with(CostInputs.LOAD_OVERHEAD_US, 0, "t")
            .model();
        TransferCostModel below = d.with(CostInputs.CPU_GBPS, 1.0, "t").with(CostInputs.LOAD_OVERHEAD_US, 0, "t")
            .model();
        assertTrue(above.netTokens(100, 0) > 0);
        assertEquals(0, below.netTokens(100, 0));
        assertEquals(0, d.with(CostInputs.CPU_GBPS, 0.5, "t").model().netTokens(100, 0));
        assertTrue(d.model().loadSeconds(Medium.CPU, 1) < d.model().prefillSecondsPerBlock());
    }
}
