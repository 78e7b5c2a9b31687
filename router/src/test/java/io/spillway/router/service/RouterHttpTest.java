package io.spillway.router.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.listener.ListenerCounters;
import io.spillway.listener.ListenerLimits;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The router's HTTP endpoint while clients stall: {@code /health} answers within 1 s with half-sent requests
 * open, each of which is closed by the request-read timeout; connections past the per-peer cap are closed at
 * accept and counted.
 */
class RouterHttpTest {
    private static long msUntilClosed(Socket s, long t0) throws IOException {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // drop
            }
        } catch (IOException reset) {
            // closed
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void healthAnswersWhileClientsStallAndTheStalledAreClosed() throws Exception {
        RouterMetrics metrics = new RouterMetrics();
        try (RouterHttp http = new RouterHttp("127.0.0.1", 0, new ListenerLimits("http", 8, 6, 3_000, 1_000), metrics,
                new DecisionLog(4), Map::of)) {
            List<Socket> stalled = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                Socket s = new Socket("127.0.0.1", http.port());
                s.getOutputStream().write('G');
                s.getOutputStream().flush();
                stalled.add(s);
            }
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + http.port() + "/health")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertTrue((System.nanoTime() - t) / 1_000_000 < 1_000);
            }
            List<Socket> more = new ArrayList<>();
            boolean refused = false;
            while (!refused && more.size() < 6) { // silent connections until one is closed at accept
                Socket s = new Socket("127.0.0.1", http.port());
                more.add(s);
                s.setSoTimeout(300);
                try {
                    refused = s.getInputStream().read() < 0;
                } catch (SocketTimeoutException open) {
                    refused = false;
                } catch (IOException reset) {
                    refused = true;
                }
            }
            assertTrue(refused, "a connection past the per-peer cap of 6 is closed at accept");
            assertTrue(http.counters().peak() <= 6, "admitted at once: " + http.counters().peak());
            for (Socket s : more) {
                s.close();
            }
            for (Socket s : stalled) {
                long ms = msUntilClosed(s, t0);
                assertTrue(ms >= 1_000 && ms < 3_000, "closed after " + ms + " ms");
                s.close();
            }
            ListenerCounters c = http.counters();
            assertEquals(5, c.timeouts(ListenerCounters.Timeout.REQUEST_READ));
            assertEquals(1, c.refused(ListenerCounters.Refusal.PEER_LIMIT));
            assertTrue(metrics.scrape().contains(
                "spillway_router_listener_refused_total{listener=\"http\",reason=\"peer_limit\"} 1.0"));
        }
    }
}
