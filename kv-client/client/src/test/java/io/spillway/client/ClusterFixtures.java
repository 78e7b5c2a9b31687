package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/** Shared helpers of the cluster-client tests: keys, per-key distinct bytes, fast client settings. */
final class ClusterFixtures {
    static final Namespace NAMESPACE = Namespace.builder().tenant("t").modelId("m").dtype("bfloat16")
        .blockSizeTokens(16).layers(2).kvHeads(2).headDim(64).tpSize(1).tpRank(0).layout("NHD").build();
    static final BlockKey NS = NAMESPACE.id();

    private ClusterFixtures() {
    }

    static BlockKey[] keys(int n, long seed) {
        Random r = new Random(seed);
        BlockKey[] keys = new BlockKey[n];
        for (int i = 0; i < n; i++) {
            keys[i] = new BlockKey(r.nextLong(), r.nextLong());
        }
        return keys;
    }

    /** The bytes of {@code key}: derived from the key alone, so a block returned for another key never matches. */
    static byte[] bytesOf(BlockKey key) {
        Random r = new Random(key.hi() * 31 + key.lo());
        byte[] b = new byte[64 + r.nextInt(2000)];
        r.nextBytes(b);
        return b;
    }

    static ByteBuffer[] blocksOf(BlockKey[] keys) {
        ByteBuffer[] blocks = new ByteBuffer[keys.length];
        for (int i = 0; i < keys.length; i++) {
            byte[] b = bytesOf(keys[i]);
            blocks[i] = i % 2 == 0 ? ByteBuffer.wrap(b) : ByteBuffer.allocateDirect(b.length).put(b).flip();
        }
        return blocks;
    }

    static ByteBuffer[] destinations(int n) {
        ByteBuffer[] d = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            d[i] = i % 2 == 0 ? ByteBuffer.allocate(4096) : ByteBuffer.allocateDirect(4096);
        }
        return d;
    }

    /** Asserts every hit holds exactly its own key's bytes; returns the number of hits. */
    static int assertHitsAreTheirOwn(BlockKey[] keys, ByteBuffer[] destinations, GetResult got) {
        int hits = 0;
        for (int i = 0; i < keys.length; i++) {
            if (got.hit(i)) {
                byte[] b = new byte[destinations[i].remaining()];
                destinations[i].duplicate().get(b);
                assertArrayEquals(bytesOf(keys[i]), b, "bytes of key " + i + " " + keys[i]);
                assertEquals(b.length, got.lengths()[i]);
                hits++;
            }
        }
        return hits;
    }

    static ClientContext.Builder fast(FakeCluster cluster) {
        return ClientContext.builder().seeds(cluster.seeds()).connections(1).requestTimeout(Duration.ofSeconds(2))
            .connectTimeout(Duration.ofSeconds(1)).retryDeadline(Duration.ofSeconds(3))
            .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(50)).mapRefreshInterval(Duration.ZERO)
            .deadNodeSkip(Duration.ofSeconds(5)).eventLoopThreads(2);
    }

    static KvClientException failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertTrue(e.getCause() instanceof KvClientException, String.valueOf(e.getCause()));
        return (KvClientException) e.getCause();
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
