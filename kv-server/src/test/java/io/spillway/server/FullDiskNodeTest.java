package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on the real tiers whose NVMe tier cannot write from the start (its free-space floor is above any disk's
 * free space): it stays ready with a detail naming the NVMe tier, answers every put (stored in CPU, or
 * {@code BACK_PRESSURE} once the CPU tier is full and cannot demote), serves what it acknowledged, and counts the
 * refused demotions. Recovery when space comes back is the container test's part (FullDiskIT) and
 * NvmeTierHealthTest's.
 */
class FullDiskNodeTest {
    private static final int BLOCK = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void nodeWithAFullDiskStaysReadyNamesTheNvmeTierAndBackPressuresPutsOnceCpuIsFull() throws Exception {
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(2 << 20)
                .nvmeCapacityBytes(64 << 20).set("spillway.cpu.chunkBytes", "262144")
                .set("spillway.nvme.minFreeBytes", "1048576t").build());
             RawClient c = new RawClient(server.dataPort())) {
            server.namespaces().register(TestNode.NAMESPACE);
            HttpResponse<String> ready = get(server, "/ready");
            assertEquals(200, ready.statusCode(), "a node whose NVMe tier cannot write still serves from CPU");
            assertTrue(ready.body().startsWith("ready\n"), ready.body());
            assertTrue(ready.body().contains("degraded: nvme tier degraded (writes refused, reads served): disk "
                + "nearly full"), ready.body());

            List<Integer> acknowledged = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < 64; i++) {
                c.write(RawClient.putFrame(i, NS, new BlockKey[] {key(i)}, new byte[][] {block(i)}));
                int status = c.read().putStatuses()[0];
                if (status == ErrorCode.OK.code()) {
                    acknowledged.add(i);
                } else {
                    assertEquals(ErrorCode.BACK_PRESSURE.code(), status, "put " + i);
                    refused++;
                }
            }
            assertTrue(refused > 0, "64 blocks of 64 KiB overflow a 2 MiB CPU tier that cannot demote");
            assertTrue(acknowledged.size() >= 16, "the CPU tier took what fits: " + acknowledged.size());
            for (int i : acknowledged) {
                c.write(RawClient.keysFrame(RawClient.GET, 1000 + i, NS, key(i)));
                RawClient.Entry e = c.read().entries().get(0);
                assertEquals(0, e.status(), "acknowledged block " + i);
                assertArrayEquals(block(i), e.bytes(), "acknowledged block " + i);
            }

            String metrics = get(server, "/metrics").body();
            assertTrue(metrics.contains("spillway_nvme_degraded 1.0"), "degraded gauge");
            assertTrue(counter(metrics, "spillway_nvme_writes_refused_total") >= 1, "refused NVMe writes counted");
            assertTrue(counter(metrics, "spillway_tier_demotion_failures_total{tier=\"cpu\"}") >= 1,
                "refused demotions counted");
            assertEquals(0, counter(metrics, "spillway_tier_dropped_total{tier=\"cpu\"}"), "no demotion dropped");
            assertEquals(0, counter(metrics, "spillway_tier_puts_total{tier=\"nvme\"}"));
        }
    }

    private static double counter(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no series " + series + " in /metrics");
    }

    private static HttpResponse<String> get(SpillwayServer server, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + server.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] block(int i) {
        byte[] b = new byte[BLOCK];
        new Random(i).nextBytes(b);
        return b;
    }

    private static BlockKey key(int i) {
        return new BlockKey(0xF011, i);
    }
}
