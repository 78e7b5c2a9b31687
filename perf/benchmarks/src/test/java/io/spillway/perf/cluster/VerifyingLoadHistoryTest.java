package io.spillway.perf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.perf.history.History;
import io.spillway.perf.history.HistoryChecker;
import io.spillway.perf.history.HistoryVerdict;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.server.TierChain;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.CpuTierContext;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VerifyingLoad against one real in-process node records a history that the checker passes. */
class VerifyingLoadHistoryTest {
    private static final int BLOCK = 4096;
    private static final long CAPACITY = 32L << 20;
    private static final int KEYS_PER_WORKER = 512;
    private static final Namespace NAMESPACE = Namespace.builder().modelId("test/history").layers(1).kvHeads(1)
        .headDim(8).build();

    @TempDir
    Path dir;
    private SpillwayServer server;

    @BeforeEach
    void start() throws Exception {
        ServerContext context = ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0)
            .httpPort(0).events("port", "0").dataDir(dir)
            .tierFactory(ctx -> new TierChain(new TierChain.Stage(CpuTier.open(CpuTierContext.builder()
                .capacityBytes(CAPACITY).maxBlockBytes(BLOCK).nextTier(null).build()), CAPACITY), null, null, false))
            .build();
        server = SpillwayServer.start(context);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aRunAndItsFinalReadsRecordAValidHistory() throws Exception {
        try (KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
            .controlPort(server.controlPort()).connections(2).build())) {
            BlockKey ns = client.registerNamespace(NAMESPACE).get(30, TimeUnit.SECONDS);
            VerifyingLoad load = new VerifyingLoad(client, ns, BLOCK, 8, 0.3, 2, KEYS_PER_WORKER, 11);
            load.recordHistory(400_000);
            load.start(new Timeline(System.nanoTime(), 60));
            Thread.sleep(1500);
            load.stop();
            long[] fin = load.verifyAll();
            History history = load.history();

            HistoryVerdict verdict = new HistoryChecker(10).check(history, Long.MIN_VALUE);
            assertTrue(verdict.valid(), verdict.examples() + " dropped " + verdict.dropped());
            assertEquals(0, load.wrongBlocks());
            assertTrue(verdict.counts().putsAcknowledged() > 0 && verdict.counts().getsHit() > fin[0],
                "the run both put and read: " + verdict.counts().putsAcknowledged() + " acks, "
                    + verdict.counts().getsHit() + " hits");
            assertEquals(load.ackedBlocks(), fin[0], "every acknowledged block is read back");
            assertEquals(load.ackedBlocks(), history.size() - countLoadOps(history),
                "the final read of every acknowledged block is in the history");
        }
    }

    private static long countLoadOps(History h) {
        long n = 0;
        for (int i = 0; i < h.size(); i++) {
            if (h.op(i).process() < 2) {
                n++;
            }
        }
        return n;
    }
}
