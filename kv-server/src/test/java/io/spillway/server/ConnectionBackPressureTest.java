package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static io.spillway.server.TestNode.bytes;
import static io.spillway.server.TestNode.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that asks for much more than it reads: the server stops reading it, then catches up, losing nothing. */
class ConnectionBackPressureTest {
    static final int REQUESTS = 48;

    @TempDir
    Path dir;

    @Test
    void aReaderThatFallsBehindPausesItsConnectionAndGetsEveryAnswer() throws Exception {
        Random random = new Random(5);
        try (SpillwayServer server = TestNode.start(dir, 8 << 20, new HeapTier(TierKind.NVME, 1 << 20))) {
            BlockKey key = key(random);
            byte[] block = bytes(random, 1 << 20);
            ByteArrayOutputStream gets = new ByteArrayOutputStream();
            for (int i = 0; i < REQUESTS; i++) {
                gets.writeBytes(RawClient.keysFrame(RawClient.GET, i, NS, key));
            }
            try (RawClient c = new RawClient(server.dataPort())) {
                c.write(RawClient.putFrame(100, NS, new BlockKey[] {key}, new byte[][] {block}));
                assertEquals(0, c.read().putStatuses()[0]);
                c.write(gets.toByteArray());
                for (int i = 0; i < 300 && server.metrics().readPauses() == 0; i++) {
                    Thread.sleep(10);
                }
                assertTrue(server.metrics().readPauses() >= 1, "48 MiB of answers nobody reads pause the connection");
                boolean[] seen = new boolean[REQUESTS];
                for (int i = 0; i < REQUESTS; i++) {
                    RawClient.Frame f = c.read();
                    seen[f.requestId()] = true;
                    assertArrayEquals(block, f.entries().get(0).bytes());
                }
                for (boolean s : seen) {
                    assertTrue(s);
                }
            }
            HeapTier cpu = (HeapTier) server.tiers().cpu();
            for (int i = 0; i < 200 && cpu.openHandles.get() > 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(0, cpu.openHandles.get(), "every pinned block was released once written");
        }
    }
}
