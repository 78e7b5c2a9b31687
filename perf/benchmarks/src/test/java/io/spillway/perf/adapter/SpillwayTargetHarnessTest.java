package io.spillway.perf.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.harness.LoadHarness;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.ProgressLine;
import io.spillway.perf.harness.WritePattern;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.server.TierChain;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.CpuTierContext;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spillway adapter through the harness against an embedded node (real client, real data plane, a CPU-only
 * tier chain): what {@code bench --target spillway} does, minus the child process.
 */
class SpillwayTargetHarnessTest {
    private static final int BLOCK = 64 * 1024;
    private static final long CAPACITY = 64L << 20;

    @TempDir
    Path dir;

    private SpillwayServer server;
    private SpillwayTarget target;

    @BeforeEach
    void start() throws Exception {
        ServerContext context = ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0).events("port", "0")
            .dataDir(dir).tierFactory(ctx -> new TierChain(new TierChain.Stage(CpuTier.open(CpuTierContext.builder()
                .capacityBytes(CAPACITY).maxBlockBytes(BLOCK).nextTier(null).build()), CAPACITY), null, null, false))
            .build();
        server = SpillwayServer.start(context);
        target = new SpillwayTarget("127.0.0.1", server.dataPort(), server.controlPort(), 2);
        target.open(2);
    }

    @AfterEach
    void stop() {
        if (target != null) {
            target.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void mixedAndBatchPhasesMoveVerifiedBlocks() throws Exception {
        LoadHarness harness = new LoadHarness(target, ProgressLine.silent());
        harness.preload(64, BLOCK, 8, 2);

        PhaseResult mixed = harness.run(new PhaseSpec("mixed", BLOCK, 1, 2, 0.5, 64, WritePattern.FRESH,
            Duration.ofMillis(100), Duration.ofMillis(500)));
        assertTrue(mixed.clean(), "errors=" + mixed.errors() + " first=" + mixed.firstError());
        assertTrue(mixed.get().blocks() > 0 && mixed.put().blocks() > 0, mixed.toString());
        assertEquals(0, mixed.get().verifyFailures());

        PhaseResult batch = harness.run(new PhaseSpec("batch-get", BLOCK, 16, 2, 1.0, 64, WritePattern.FRESH,
            Duration.ZERO, Duration.ofMillis(500)));
        assertTrue(batch.clean(), String.valueOf(batch.firstError()));
        assertTrue(batch.get().requests() > 0);
        assertEquals(batch.get().requests() * 16, batch.get().blocks() + batch.get().misses());
    }
}
