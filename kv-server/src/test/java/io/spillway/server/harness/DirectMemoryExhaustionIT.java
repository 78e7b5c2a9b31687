package io.spillway.server.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.KvClientException;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 21's acceptance for exhausted direct memory, with a real exhaustion: a node process with
 * {@code -XX:MaxDirectMemorySize=48m}, 8 MiB blocks on its NVMe tier, and one GET_BATCH of six of them, whose read
 * buffers (each block's record is read into its own direct buffer, held until the response is written) cannot all
 * be allocated. The client gets {@code RESOURCE_EXHAUSTED} as a named {@link KvClientException} well before its
 * timeout, and the same connection (the client holds one, the node counts one accepted) then serves the next GET
 * byte-identical; the node stays ready.
 */
class DirectMemoryExhaustionIT {
    static final Namespace NAMESPACE = Namespace.builder().modelId("it/direct-memory").layers(2).kvHeads(2)
        .headDim(64).build();
    static final int BLOCK = 8 << 20;
    static final int BLOCKS = 10;
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void exhaustedDirectMemoryMidGetIsANamedErrorAndTheSameConnectionServesTheNextRequest() throws Exception {
        Path dir = Path.of("target", "it", "DirectMemoryExhaustionIT");
        NodeCluster.deleteRecursively(dir);
        HashSet<Integer> taken = new HashSet<>();
        NodeProcess node = new NodeProcess("node-0", dir.resolve("node-0"), NodeCluster.freePort(taken),
            NodeCluster.freePort(taken), NodeCluster.freePort(taken), List.of("--cpu-capacity", "16m",
            "--nvme-capacity", "256m", "--set", "spillway.server.maxBlockBytes=9m",
            "--set", "spillway.server.promoteOnHit=false", "--set", "spillway.nvme.bufferPoolBytes=0",
            "--set", "spillway.server.ioThreads=1", "--set", "spillway.server.tierThreads=1"))
            .jvmArgs(List.of("-XX:MaxDirectMemorySize=48m"));
        try (AutoCloseable stop = node::destroyQuietly) {
            node.start().awaitReady(TIMEOUT);
            try (KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
                .controlPort(node.controlPort()).connections(1).build())) {
                assertEquals(NAMESPACE.id(), client.registerNamespace(NAMESPACE).get(10, TimeUnit.SECONDS));
                putAll(client);
                List<Integer> onNvme = new ArrayList<>();
                for (int i = 0; i < BLOCKS; i++) {
                    if (read(client, i) == TierKind.NVME) {
                        onNvme.add(i);
                    }
                }
                assertTrue(onNvme.size() >= 6, "80 MiB overflow a 16 MiB CPU tier to NVMe: " + onNvme);

                BlockKey[] keys = new BlockKey[6];
                ByteBuffer[] dst = new ByteBuffer[6];
                for (int j = 0; j < 6; j++) {
                    keys[j] = key(onNvme.get(j));
                    dst[j] = ByteBuffer.allocateDirect(BLOCK);
                }
                long started = System.nanoTime();
                ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.get(NAMESPACE.id(), keys, dst).get(30, TimeUnit.SECONDS));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                KvClientException k = assertInstanceOf(KvClientException.class, e.getCause(), e.toString());
                assertEquals(ErrorCode.RESOURCE_EXHAUSTED, k.code(), k.getMessage());
                assertTrue(k.retryable());
                assertTrue(k.getMessage().contains("direct memory exhausted while reading block"), k.getMessage());
                assertTrue(tookMs < 5_000, "answered, not timed out: " + tookMs + " ms");

                assertEquals(TierKind.NVME, read(client, onNvme.get(0)), "the next GET on the connection");
                String metrics = http(node, "/metrics").body();
                assertTrue(metrics.contains("spillway_connections_total 1.0"), "one connection all along");
                assertTrue(metrics.contains("spillway_errors_total{code=\"RESOURCE_EXHAUSTED\"} 1.0"),
                    "the error is counted by name");
                assertEquals(200, http(node, "/ready").statusCode());
                System.out.println("DirectMemoryExhaustionIT: RESOURCE_EXHAUSTED answered in " + tookMs
                    + " ms; " + k.getMessage());
            }
        }
    }

    private static void putAll(KvClient client) throws Exception {
        for (int i = 0; i < BLOCKS; i++) {
            for (int attempt = 0; ; attempt++) {
                assertTrue(attempt < 2_000, "back pressure never cleared for block " + i);
                PutResult r = client.put(NAMESPACE.id(), new BlockKey[] {key(i)}, new ByteBuffer[] {block(i)})
                    .get(30, TimeUnit.SECONDS);
                if (r.statuses()[0] != ErrorCode.BACK_PRESSURE) {
                    assertEquals(ErrorCode.OK, r.statuses()[0], "put of block " + i);
                    break;
                }
                Thread.sleep(5);
            }
        }
    }

    /** Reads block {@code i}, asserts it byte-identical, returns the tier it came from. */
    private static TierKind read(KvClient client, int i) throws Exception {
        ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
        GetResult r = client.get(NAMESPACE.id(), new BlockKey[] {key(i)}, new ByteBuffer[] {dst})
            .get(30, TimeUnit.SECONDS);
        assertTrue(r.hit(0), "block " + i);
        byte[] want = new byte[BLOCK];
        block(i).get(want);
        byte[] got = new byte[dst.remaining()];
        dst.get(got);
        assertArrayEquals(want, got, "bytes of block " + i);
        return r.tiers()[0];
    }

    private static HttpResponse<String> http(NodeProcess node, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + node.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static BlockKey key(int i) {
        return new BlockKey(0xD1_2EC7_0000L, i);
    }

    static ByteBuffer block(int i) {
        ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
        SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
        while (b.hasRemaining()) {
            b.putLong(r.nextLong());
        }
        return b.flip();
    }
}
