package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.listener.ListenerCounters;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that stall, against one node in this JVM with short timeouts: the probes answer within 1 s while HTTP
 * clients hold half-sent requests, and every stalled connection is closed by its own timeout; a data-plane put that
 * sends a block header and then trickles is closed by the request-read timeout and its tier reservation released;
 * connections past the per-peer cap are closed at accept and counted, and the connections admitted never exceed it.
 */
class StalledClientsTest {
    @TempDir
    Path dir;

    private SpillwayServer start(String... settings) {
        return TestNode.start(dir, 64L << 20, new HeapTier(TierKind.NVME, 64L << 20), b -> {
            for (int i = 0; i < settings.length; i += 2) {
                b.set(settings[i], settings[i + 1]);
            }
        });
    }

    /** Milliseconds until the server closes {@code s} (reads and drops anything it sends first). */
    private static long msUntilClosed(Socket s, long sinceNanos) throws IOException {
        s.setSoTimeout(15_000);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // an answer (a 408, an error) may come first
            }
        } catch (IOException reset) {
            // reset: closed too
        }
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    private static void assertProbesAnswerWithinASecond(HttpClient http, int port) throws Exception {
        for (String path : List.of("/health", "/ready")) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, r.statusCode(), path);
            assertTrue(ms < 1_000, path + " took " + ms + " ms");
        }
    }

    @Test
    void probesAnswerWhileHttpClientsStallAndEachStalledConnectionIsClosedByItsTimeout() throws Exception {
        try (SpillwayServer server = start(ServerContext.HTTP_REQUEST_READ_TIMEOUT_MS_PROP, "1000",
                ServerContext.HTTP_IDLE_TIMEOUT_MS_PROP, "2000")) {
            List<Socket> halfSent = new ArrayList<>();
            List<Socket> silent = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket("127.0.0.1", server.httpPort());
                OutputStream out = s.getOutputStream();
                out.write('G'); // one byte of a request, then nothing
                out.flush();
                halfSent.add(s);
                silent.add(new Socket("127.0.0.1", server.httpPort()));
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            for (int round = 0; round < 3; round++) {
                assertProbesAnswerWithinASecond(http, server.httpPort());
                Thread.sleep(200);
            }
            for (Socket s : halfSent) {
                long ms = msUntilClosed(s, t0);
                assertTrue(ms >= 1_000 && ms < 3_000, "a half-sent request closed after " + ms + " ms");
                s.close();
            }
            for (Socket s : silent) {
                long ms = msUntilClosed(s, t0);
                assertTrue(ms >= 2_000 && ms < 4_500, "a silent connection closed after " + ms + " ms");
                s.close();
            }
            ListenerCounters c = server.httpConnections();
            assertEquals(4, c.timeouts(ListenerCounters.Timeout.REQUEST_READ));
            assertTrue(c.timeouts(ListenerCounters.Timeout.IDLE) >= 4, "idle: " + c.timeouts(
                ListenerCounters.Timeout.IDLE));
            assertTrue(server.metrics().scrape().contains(
                "spillway_listener_timeouts_total{listener=\"http\",reason=\"request_read\"} 4.0"));
        }
    }

    /** A PUT_BATCH frame's head: the frame header, the namespace, one block's key, length and checksum. */
    static byte[] putHead(BlockKey ns, BlockKey key, int blockBytes) {
        ByteBuffer b = ByteBuffer.allocate(16 + 16 + 4 + 16 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(RawClient.header(0x5753, 1, RawClient.PUT, 7, 16 + 4 + 16 + 8 + blockBytes));
        b.put(ns.toBytes()).putInt(1).put(key.toBytes()).putInt(blockBytes).putInt(0);
        return b.array();
    }

    @Test
    void aTrickledPutIsClosedByItsReadTimeoutAndItsReservationReleased() throws Exception {
        try (SpillwayServer server = start(ServerContext.REQUEST_READ_TIMEOUT_MS_PROP, "1000",
                ServerContext.IDLE_TIMEOUT_MS_PROP, "5000")) {
            int blockBytes = 512 << 10;
            Socket s = new Socket("127.0.0.1", server.dataPort());
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            out.write(putHead(TestNode.NS, TestNode.key(new Random(1)), blockBytes));
            out.flush();
            long reservedSeen = 0;
            boolean closed = false;
            for (int i = 0; i < 40 && !closed; i++) { // one byte every 100 ms: never idle
                Thread.sleep(100);
                reservedSeen = Math.max(reservedSeen, server.metrics().putReservedBytes());
                try {
                    out.write(0);
                    out.flush();
                } catch (IOException e) {
                    closed = true;
                }
            }
            long ms = msUntilClosed(s, t0);
            s.close();
            assertEquals(blockBytes, reservedSeen, "the block's room was reserved while it trickled");
            assertTrue(ms >= 1_000 && ms < 3_000, "closed after " + ms + " ms");
            assertEquals(1, server.dataConnections().timeouts(ListenerCounters.Timeout.REQUEST_READ));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (server.metrics().putReservedBytes() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, server.metrics().putReservedBytes(), "the reservation was given back");
            assertTrue(server.metrics().scrape().contains("spillway_put_reserved_bytes 0.0"));
            TestNode.assertServesAnotherClient(server);
        }
    }

    @Test
    void connectionsPastThePeerCapAreClosedAtAcceptAndCounted() throws Exception {
        try (SpillwayServer server = start(ServerContext.MAX_CONNECTIONS_PROP, "5",
                ServerContext.MAX_CONNECTIONS_PER_PEER_PROP, "3")) {
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    clients.add(new RawClient(server.dataPort()));
                }
                for (RawClient c : clients) {
                    c.write(RawClient.frame(RawClient.PING, 1, new byte[0]));
                    assertEquals(0, c.read().status(), "an admitted connection is served");
                }
                for (int i = 0; i < 2; i++) {
                    try (RawClient refused = new RawClient(server.dataPort())) {
                        assertTrue(refused.closedByServer(), "the 4th and 5th from one address are closed");
                    }
                }
                ListenerCounters c = server.dataConnections();
                assertEquals(2, c.refused(ListenerCounters.Refusal.PEER_LIMIT));
                assertEquals(0, c.refused(ListenerCounters.Refusal.NODE_LIMIT));
                assertEquals(3, c.peak(), "admitted connections never exceeded the cap");
                assertEquals(3, server.metrics().activeConnections());
                clients.remove(0).close();
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (c.active() > 2 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                TestNode.assertServesAnotherClient(server); // the slot given back is taken again
                assertTrue(server.metrics().scrape().contains(
                    "spillway_listener_refused_total{listener=\"data\",reason=\"peer_limit\"} 2.0"));
            } finally {
                for (RawClient c : clients) {
                    c.close();
                }
            }
        }
    }
}
