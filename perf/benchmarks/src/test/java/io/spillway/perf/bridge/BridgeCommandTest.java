package io.spillway.perf.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.placement.routing.CostFile;
import io.spillway.placement.routing.CostInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench bridge}: a tiny run of a copied and an in-place layout writes its figures as JSON; bad options are
 * refused by name.
 */
class BridgeCommandTest {
    @TempDir
    Path dir;

    private static BridgeCommand parse(String... args) {
        BridgeCommand cmd = new BridgeCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void aRunWritesEveryPhaseAndRatioAsJson() throws Exception {
        for (String layout : new String[] {"kv_first", "cross_layer"}) {
            Path json = dir.resolve(layout + ".json");
            assertEquals(0, parse("--blocks", "8", "--layers", "2", "--chunk-blocks", "2", "--slots", "4",
                "--rounds", "1", "--layout", layout, "--json", json.toString()).call());
            JsonNode out = new ObjectMapper().readTree(json.toFile());
            assertEquals(layout, out.get("layout").asText());
            assertEquals(8L * 2 * 2 * 32 * 1024, out.get("bytes_per_round").asLong(),
                "8 blocks of 2 layers, keys and values of 32 KiB each");
            assertTrue(out.get("bytes_verified").asBoolean());
            for (String phase : new String[] {"agent_save", "agent_load", "client_put", "client_get"}) {
                JsonNode p = out.get("gbps").get(phase);
                assertTrue(p.get("median").asDouble() > 0, layout + " " + phase + ": " + p);
                assertEquals(1, p.get("rounds").size());
            }
            for (String ratio : new String[] {"save_put", "load_get", "save_put_paired", "load_get_paired"}) {
                assertTrue(out.get("ratios").get(ratio).asDouble() > 0, layout + " " + ratio + ": " + out);
            }
            // the cost file bench eval --costs and the router read: the agent's load bandwidth
            CostInputs costs = CostFile.parse(Files.readString(json), json.toString(), CostInputs.defaults());
            assertEquals(out.get("gbps").get("agent_load").get("median").asDouble(), costs.cpuGbps(), 1e-9);
        }
    }

    @Test
    void anUnknownLayoutAndANegativePollAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> parse("--layout", "rows").call());
        assertTrue(e.getMessage().contains("--layout must be kv_first, block_first or cross_layer, got rows"),
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--poll-us", "-1").call());
        assertTrue(e.getMessage().contains("--poll-us must be >= 0, got -1"), e.getMessage());
    }
}
