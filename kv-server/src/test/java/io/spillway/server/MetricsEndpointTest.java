package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static io.spillway.server.TestNode.bytes;
import static io.spillway.server.TestNode.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics after some traffic: the tier figures, latency histograms and error counts say what happened. */
class MetricsEndpointTest {
    @TempDir
    Path dir;

    @Test
    void metricsReflectTrafficPerTierPerOpAndPerErrorCode() throws Exception {
        Random random = new Random(11);
        HeapTier nvme = new HeapTier(TierKind.NVME, 16 << 20);
        try (SpillwayServer server = TestNode.start(dir, 16 << 20, nvme)) {
            BlockKey[] keys = {key(random), key(random)};
            byte[][] blocks = {bytes(random, 1000), bytes(random, 2000)};
            try (RawClient c = new RawClient(server.dataPort())) {
                c.write(RawClient.putFrame(1, NS, keys, blocks, new int[] {RawClient.crc(blocks[0]), 12345}));
                c.read();
                c.write(RawClient.keysFrame(RawClient.GET, 2, NS, keys[0], keys[1]));
                c.read();
                c.write(RawClient.frame(RawClient.PING, 3, new byte[0]));
                c.read();
            }
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            String m = r.body();
            assertEquals(1.0, value(m, "spillway_tier_hits_total{tier=\"cpu\"}"));
            assertEquals(1.0, value(m, "spillway_tier_misses_total{tier=\"nvme\"}"));
            assertEquals(1.0, value(m, "spillway_tier_blocks{tier=\"cpu\"}"));
            assertEquals(1000.0, value(m, "spillway_tier_bytes{tier=\"cpu\"}"));
            assertEquals(16.0 * (1 << 20), value(m, "spillway_tier_capacity_bytes{tier=\"nvme\"}"));
            for (String counter : new String[] {"evictions", "demotions", "promotions", "back_pressured", "corrupt"}) {
                assertTrue(m.contains("spillway_tier_" + counter + "_total{tier=\"cpu\"}"), counter);
            }
            assertEquals(1.0, value(m, "spillway_errors_total{code=\"CHECKSUM_MISMATCH\"}"));
            assertEquals(1.0, value(m, "spillway_connections_total"));
            assertEquals(1.0, value(m, "spillway_request_seconds_count{op=\"put_batch\"}"));
            assertEquals(1.0, value(m, "spillway_request_seconds_count{op=\"get_batch\"}"));
            assertEquals(1.0, value(m, "spillway_request_seconds_count{op=\"ping\"}"));
            assertTrue(m.contains("spillway_request_seconds_bucket{op=\"get_batch\",le="), "latency histogram");
            assertEquals(1.0, value(m, "spillway_namespaces"));

            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
        }
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(m.find(), series + " in\n" + metrics);
        return Double.parseDouble(m.group(1));
    }
}
