package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static io.spillway.server.TestNode.bytes;
import static io.spillway.server.TestNode.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** close(): stop accepting, report not ready, finish what is in flight, refuse what comes after, close the tiers. */
class GracefulShutdownTest {
    @TempDir
    Path dir;

    @Test
    void anInFlightRequestIsFinishedWhileNewWorkIsRefused() throws Exception {
        Random random = new Random(3);
        HeapTier nvme = new HeapTier(TierKind.NVME, 16 << 20);
        SpillwayServer server = TestNode.start(dir, 16 << 20, nvme);
        BlockKey slow = key(random);
        byte[] block = bytes(random, 50_000);
        nvme.put(NS, slow, ByteBuffer.wrap(block), RawClient.crc(block));
        nvme.getGate = new CountDownLatch(1);
        int dataPort = server.dataPort();
        int httpPort = server.httpPort();
        assertEquals(200, status(httpPort, "/ready"));

        try (RawClient inFlight = new RawClient(dataPort); RawClient idle = new RawClient(dataPort)) {
            inFlight.write(RawClient.keysFrame(RawClient.GET, 1, NS, slow));
            assertTrue(nvme.getEntered.await(5, TimeUnit.SECONDS), "the GET reached the (slow) NVMe tier");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);

            waitFor(() -> status(httpPort, "/ready") == 503);
            assertEquals(200, status(httpPort, "/health"), "still live while draining");
            assertThrows(ConnectException.class, () -> new RawClient(dataPort).close(), "no longer accepting");
            idle.write(RawClient.frame(RawClient.PING, 2, new byte[0]));
            RawClient.Frame refused = idle.read();
            assertEquals(ErrorCode.SHUTTING_DOWN.code(), refused.status(), "new work on an open connection");
            assertFalse(closing.isDone(), "close waits for the in-flight request");

            nvme.getGate.countDown();
            RawClient.Entry e = inFlight.read().entries().get(0);
            assertEquals(0, e.status());
            assertArrayEquals(block, e.bytes(), "the in-flight GET was finished");
            closing.get(10, TimeUnit.SECONDS);
        }
        assertTrue(nvme.closed, "the tiers are closed");
        assertEquals(0, nvme.openHandles.get(), "every handle was unpinned");
    }

    @Test
    void closeIsIdempotentAndReleasesThePorts() throws Exception {
        SpillwayServer server = TestNode.start(dir, 1 << 20, null);
        int port = server.dataPort();
        server.close();
        server.close();
        assertThrows(ConnectException.class, () -> new RawClient(port).close());
    }

    private static int status(int port, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean());
    }
}
