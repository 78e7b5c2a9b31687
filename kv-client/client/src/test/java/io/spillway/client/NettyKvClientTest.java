package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NettyKvClientTest {
    private static final BlockKey NS = new BlockKey(0xABCDL, 0x1234L);
    private final FakeKvServer server = new FakeKvServer();
    private final Random random = new Random(42);
    private KvClient client;

    private KvClient connect(int connections, Duration timeout, int maxInFlight) {
        server.namespaces.add(NS);
        client = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.port())
            .controlPort(server.port() == 65_535 ? 1 : server.port() + 1).connections(connections)
            .requestTimeout(timeout).maxInFlightPerConnection(maxInFlight).build());
        return client;
    }

    private KvClient connect() {
        return connect(2, Duration.ofSeconds(10), 64);
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private ByteBuffer[] randomBlocks(int... sizes) {
        ByteBuffer[] blocks = new ByteBuffer[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            byte[] b = new byte[sizes[i]];
            random.nextBytes(b);
            blocks[i] = i % 2 == 0 ? ByteBuffer.wrap(b) : ByteBuffer.allocateDirect(b.length).put(b).flip();
        }
        return blocks;
    }

    private static BlockKey[] keys(int n, long base) {
        BlockKey[] keys = new BlockKey[n];
        for (int i = 0; i < n; i++) {
            keys[i] = new BlockKey(base, i);
        }
        return keys;
    }

    private static KvClientException failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertTrue(e.getCause() instanceof KvClientException, String.valueOf(e.getCause()));
        return (KvClientException) e.getCause();
    }

    @Test
    void batchOfMixedSizesRoundTripsIntoDestinationsAtNonZeroPositions() {
        connect();
        BlockKey[] keys = keys(4, 1);
        ByteBuffer[] blocks = randomBlocks(1, 4096, 300_000, 2 * 1024 * 1024);
        PutResult put = client.put(NS, keys, blocks).join();
        assertTrue(put.allOk(), Arrays.toString(put.statuses()));
        assertEquals(0, blocks[2].position(), "put leaves positions alone");

        BlockKey[] wanted = {keys[0], keys[1], new BlockKey(9, 9), keys[2], keys[3]};
        ByteBuffer[] dst = new ByteBuffer[wanted.length];
        for (int i = 0; i < dst.length; i++) {
            dst[i] = (i % 2 == 0 ? ByteBuffer.allocateDirect(2 * 1024 * 1024 + 100)
                : ByteBuffer.allocate(2 * 1024 * 1024 + 100)).position(17 + i);
        }
        GetResult got = client.get(NS, wanted, dst).join();
        assertEquals(4, got.hits());
        assertEquals(ErrorCode.NOT_FOUND, got.statuses()[2]);
        assertNull(got.tiers()[2]);
        assertEquals(17 + 2, dst[2].position(), "a miss leaves the destination alone");
        int[] blockOf = {0, 1, -1, 2, 3};
        for (int i = 0; i < wanted.length; i++) {
            if (blockOf[i] < 0) {
                continue;
            }
            ByteBuffer expected = blocks[blockOf[i]];
            assertEquals(TierKind.CPU, got.tiers()[i]);
            assertEquals(expected.remaining(), got.lengths()[i]);
            assertEquals(17 + i, dst[i].position(), "position stays at the block's start");
            assertEquals(17 + i + expected.remaining(), dst[i].limit(), "limit marks the block's end");
            assertEquals(expected, dst[i], "bytes of block " + i);
        }
    }

    @Test
    void manyConcurrentRequestsPipelineOverTwoConnections() {
        connect(2, Duration.ofSeconds(10), 128); // 200 requests fit the in-flight bound of 2 x 128
        int n = 200;
        List<CompletableFuture<PutResult>> puts = new ArrayList<>();
        ByteBuffer[] blocks = randomBlocks(sizes(n));
        for (int i = 0; i < n; i++) {
            puts.add(client.put(NS, new BlockKey[] {new BlockKey(7, i)}, new ByteBuffer[] {blocks[i]}));
        }
        puts.forEach(f -> assertTrue(f.join().allOk()));
        List<CompletableFuture<GetResult>> gets = new ArrayList<>();
        ByteBuffer[] dst = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            dst[i] = ByteBuffer.allocate(blocks[i].remaining());
            gets.add(client.get(NS, new BlockKey[] {new BlockKey(7, i)}, new ByteBuffer[] {dst[i]}));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(1, gets.get(i).join().hits());
            assertEquals(blocks[i], dst[i], "block " + i);
        }
        assertEquals(2, server.connectionsAccepted.get());
    }

    private int[] sizes(int n) {
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = 1 + random.nextInt(50_000);
        }
        return sizes;
    }

    @Test
    void silentServerTimesOutAndTheConnectionStaysUsable() {
        connect(1, Duration.ofMillis(300), 64);
        server.silent = true;
        assertEquals(ErrorCode.TIMEOUT, failure(client.ping()).code());
        server.silent = false;
        client.ping().join();
        assertEquals(1, server.connectionsAccepted.get());
    }

    @Test
    void requestsBeyondTheInFlightBoundFailWithBackPressure() {
        connect(1, Duration.ofSeconds(1), 1);
        server.silent = true;
        CompletableFuture<Void> first = client.ping();
        KvClientException e = failure(client.ping());
        assertEquals(ErrorCode.BACK_PRESSURE, e.code());
        assertTrue(e.retryable());
        assertEquals(ErrorCode.TIMEOUT, failure(first).code());
    }

    @Test
    void serverClosingMidResponseFailsWithConnectionLostAndTheNextRequestReconnects() {
        connect(1, Duration.ofSeconds(10), 64);
        BlockKey[] keys = keys(2, 3);
        ByteBuffer[] blocks = randomBlocks(100_000, 100_000);
        assertTrue(client.put(NS, keys, blocks).join().allOk());
        server.closeMidNextGet = true;
        ByteBuffer[] dst = {ByteBuffer.allocate(100_000), ByteBuffer.allocate(100_000)};
        assertEquals(ErrorCode.CONNECTION_LOST, failure(client.get(NS, keys, dst)).code());

        dst = new ByteBuffer[] {ByteBuffer.allocate(100_000), ByteBuffer.allocate(100_000)};
        assertEquals(2, client.get(NS, keys, dst).join().hits());
        assertEquals(blocks[1], dst[1]);
        assertEquals(2, server.connectionsAccepted.get());
    }

    @Test
    void corruptedBytesFromTheServerAreReportedPerBlock() {
        connect();
        BlockKey[] keys = keys(2, 4);
        ByteBuffer[] blocks = randomBlocks(5000, 6000);
        client.put(NS, keys, blocks).join();
        server.corruptNextGet = true;
        ByteBuffer[] dst = {ByteBuffer.allocate(5000), ByteBuffer.allocate(6000)};
        GetResult got = client.get(NS, keys, dst).join();
        assertEquals(ErrorCode.CHECKSUM_MISMATCH, got.statuses()[0]);
        assertEquals(ErrorCode.OK, got.statuses()[1]);
        assertEquals(blocks[1], dst[1]);
    }

    @Test
    void destinationTooSmallIsReportedAndTheOtherBlocksArrive() {
        connect();
        BlockKey[] keys = keys(3, 5);
        ByteBuffer[] blocks = randomBlocks(1000, 2000, 3000);
        client.put(NS, keys, blocks).join();
        ByteBuffer small = ByteBuffer.allocate(1999);
        ByteBuffer[] dst = {ByteBuffer.allocate(1000), small, ByteBuffer.allocate(3000)};
        GetResult got = client.get(NS, keys, dst).join();
        assertEquals(ErrorCode.BUFFER_TOO_SMALL, got.statuses()[1]);
        assertEquals(2000, got.lengths()[1], "the length says how much room the block needs");
        assertEquals(0, small.position());
        assertEquals(1999, small.limit());
        assertEquals(blocks[0], dst[0]);
        assertEquals(blocks[2], dst[2]);
    }

    @Test
    void unknownNamespaceFailsTheRequestWithTheServersMessage() {
        connect();
        BlockKey other = new BlockKey(1, 2);
        KvClientException e = failure(client.put(other, keys(1, 6), randomBlocks(10)));
        assertEquals(ErrorCode.UNKNOWN_NAMESPACE, e.code());
        assertTrue(e.getMessage().contains(other.toString()), e.getMessage());
        client.ping().join();
    }

    @Test
    void lookupPrefixCountsLeadingKeysPresent() {
        connect();
        BlockKey[] keys = keys(4, 8);
        client.put(NS, new BlockKey[] {keys[0], keys[1], keys[3]}, randomBlocks(10, 10, 10)).join();
        PrefixLookup lookup = client.lookupPrefix(NS, keys).join();
        assertEquals(2, lookup.prefixLength());
        assertEquals(2, lookup.longestRun().get(TierKind.CPU));
    }

    @Test
    void badBatchesAreRejectedBeforeSending() {
        connect();
        assertThrows(IllegalArgumentException.class, () -> client.get(NS, keys(2, 1), new ByteBuffer[1]));
        assertThrows(IllegalArgumentException.class, () -> client.lookupPrefix(NS, new BlockKey[0]));
    }
}
