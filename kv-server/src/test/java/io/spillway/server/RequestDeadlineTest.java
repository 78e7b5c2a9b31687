package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static io.spillway.server.TestNode.bytes;
import static io.spillway.server.TestNode.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spillway.requestDeadlineMs: a request that waited in the tier executor's queue longer than the deadline (its
 * client has hedged to a replica long ago) is answered DEADLINE_EXCEEDED, counted, and not executed; the request
 * ahead of it, which started in time, is answered normally, and the connection keeps serving.
 */
class RequestDeadlineTest {
    @TempDir
    Path dir;

    @Test
    void aGetThatWaitedPastTheDeadlineInTheTierQueueIsRefusedNotExecutedLate() throws Exception {
        Random random = new Random(5);
        HeapTier nvme = new HeapTier(TierKind.NVME, 16 << 20);
        BlockKey slow = key(random);
        BlockKey queued = key(random);
        byte[] block = bytes(random, 10_000);
        nvme.put(NS, slow, ByteBuffer.wrap(block), RawClient.crc(block));
        nvme.put(NS, queued, ByteBuffer.wrap(block), RawClient.crc(block));
        try (SpillwayServer server = TestNode.start(dir, 16 << 20, nvme,
                b -> b.tierThreads(1).requestDeadlineMs(500))) {
            nvme.getGate = new CountDownLatch(1);
            try (RawClient first = new RawClient(server.dataPort()); RawClient second = new RawClient(server.dataPort())) {
                first.write(RawClient.keysFrame(RawClient.GET, 1, NS, slow));
                assertTrue(nvme.getEntered.await(5, TimeUnit.SECONDS), "the one tier thread is held by the first GET");
                second.write(RawClient.keysFrame(RawClient.GET, 2, NS, queued));
                Thread.sleep(800); // the second GET ages in the queue past the 500 ms deadline (time itself is the input)
                nvme.getGate.countDown();

                RawClient.Entry served = first.read().entries().get(0);
                assertEquals(ErrorCode.OK.code(), served.status(), "started in time: executed");
                assertArrayEquals(block, served.bytes());

                RawClient.Frame late = second.read();
                assertEquals(ErrorCode.DEADLINE_EXCEEDED.code(), late.status());
                String why = new String(late.body(), StandardCharsets.UTF_8);
                assertTrue(why.contains(ServerContext.REQUEST_DEADLINE_MS_PROP + "=500"), why);
                assertEquals(1, server.metrics().errorCount(ErrorCode.DEADLINE_EXCEEDED));

                second.write(RawClient.keysFrame(RawClient.GET, 3, NS, queued)); // the connection still serves
                assertEquals(ErrorCode.OK.code(), second.read().entries().get(0).status());
            }
        }
    }
}
