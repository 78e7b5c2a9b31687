package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link KvClient#putGathered} and {@link KvClient#getScattered}: a block as several regions, on the wire as one. */
class ScatterGatherTest {
    private static final BlockKey NS = new BlockKey(0xABCDL, 0x5678L);
    /** Region sizes that cut blocks at odd places: 1 byte, a page and a bit, uneven halves. */
    private static final int[] ODD = {1, 7, 4093, 4099, 65_537, 3, 131_071};
    private static final byte GUARD = (byte) 0xEE;
    private final FakeKvServer server = new FakeKvServer();
    private final Random random = new Random(7);
    private KvClient client;

    private KvClient connect() {
        server.namespaces.add(NS);
        client = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.port())
            .controlPort(server.port() == 65_535 ? 1 : server.port() + 1).connections(2)
            .requestTimeout(Duration.ofSeconds(10)).build());
        return client;
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static BlockKey[] keys(int n, long base) {
        BlockKey[] keys = new BlockKey[n];
        for (int i = 0; i < n; i++) {
            keys[i] = new BlockKey(base, i);
        }
        return keys;
    }

    /**
     * Regions of {@code sizes}, each at position 3 of a buffer with guard bytes before and after it (direct and heap
     * in turn), so that a byte written outside a region shows.
     */
    private static ByteBuffer[] regions(int... sizes) {
        ByteBuffer[] out = new ByteBuffer[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            ByteBuffer b = i % 2 == 0 ? ByteBuffer.allocateDirect(sizes[i] + 6) : ByteBuffer.allocate(sizes[i] + 6);
            while (b.hasRemaining()) {
                b.put(GUARD);
            }
            out[i] = b.position(3).limit(3 + sizes[i]);
        }
        return out;
    }

    /** {@code bytes} split over regions of {@code sizes} (adding up to its length). */
    private static ByteBuffer[] filled(byte[] bytes, int... sizes) {
        ByteBuffer[] out = regions(sizes);
        int at = 0;
        for (ByteBuffer r : out) {
            ByteBuffer d = r.duplicate();
            d.put(bytes, at, d.remaining());
            at += r.remaining();
        }
        assertEquals(bytes.length, at);
        return out;
    }

    /** The regions' bytes laid end to end; checks that their guards, positions and limits are untouched. */
    private static byte[] joined(ByteBuffer[] regions) {
        int n = Arrays.stream(regions).mapToInt(ByteBuffer::remaining).sum();
        byte[] out = new byte[n];
        int at = 0;
        for (ByteBuffer r : regions) {
            assertEquals(3, r.position(), "positions are never moved");
            assertEquals(GUARD, r.duplicate().clear().get(2), "the byte before a region");
            assertEquals(GUARD, r.duplicate().clear().get(r.limit()), "the byte after a region");
            r.duplicate().get(out, at, r.remaining());
            at += r.remaining();
        }
        return out;
    }

    private static int[] split(int total) {
        int[] sizes = new int[0];
        int left = total;
        for (int i = 0; left > 0; i++) {
            int n = Math.min(left, ODD[i % ODD.length]);
            sizes = Arrays.copyOf(sizes, sizes.length + 1);
            sizes[sizes.length - 1] = n;
            left -= n;
        }
        return sizes;
    }

    private static byte[] array(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void gatheredPutStoresTheBlockItsRegionsMakeAndReadsBackEqual() {
        connect();
        assertTrue(client.movesRegions());
        BlockKey[] keys = keys(3, 1);
        byte[][] blocks = {randomBytes(1), randomBytes(200_000), randomBytes(2 * 1024 * 1024)};
        ByteBuffer[][] regions = {filled(blocks[0], 1), filled(blocks[1], split(200_000)),
            filled(blocks[2], split(2 * 1024 * 1024))};
        PutResult put = client.putGathered(NS, keys, regions).join();
        assertTrue(put.allOk(), "the node checked each block's CRC32C over its gathered bytes: "
            + Arrays.toString(put.statuses()));
        for (int i = 0; i < blocks.length; i++) {
            assertArrayEquals(blocks[i], server.blocks.get(keys[i]), "block " + i + " as stored");
            assertArrayEquals(blocks[i], joined(regions[i]), "the regions are left as they were");
        }
        ByteBuffer[] dst = {ByteBuffer.allocate(1), ByteBuffer.allocateDirect(200_000),
            ByteBuffer.allocate(2 * 1024 * 1024)};
        GetResult got = client.get(NS, keys, dst).join();
        for (int i = 0; i < blocks.length; i++) {
            assertTrue(got.hit(i));
            assertArrayEquals(blocks[i], array(dst[i]), "block " + i + " read back");
        }
    }

    @Test
    void scatteredGetLandsEveryRegionsBytesExactly() {
        connect();
        BlockKey[] keys = keys(4, 2);
        byte[][] blocks = {randomBytes(1), randomBytes(4093 + 4099), randomBytes(300_001),
            randomBytes(2 * 1024 * 1024)};
        ByteBuffer[] plain = new ByteBuffer[blocks.length];
        Arrays.setAll(plain, i -> ByteBuffer.wrap(blocks[i]));
        assertTrue(client.put(NS, keys, plain).join().allOk());
        int[][] sizes = {{1}, {4093, 4099}, split(300_001), split(2 * 1024 * 1024)};
        ByteBuffer[][] regions = new ByteBuffer[blocks.length][];
        Arrays.setAll(regions, i -> regions(sizes[i]));
        GetResult got = client.getScattered(NS, keys, regions).join();
        assertTrue(sizes[3].length > 40, "the 2 MiB block is split over many regions");
        for (int i = 0; i < blocks.length; i++) {
            assertEquals(ErrorCode.OK, got.statuses()[i], "block " + i);
            assertEquals(blocks[i].length, got.lengths()[i]);
            assertArrayEquals(blocks[i], joined(regions[i]), "block " + i + "'s regions");
        }
    }

    @Test
    void aBlockShorterThanItsRegionsFillsThemInOrderAndSaysItsLength() {
        connect();
        BlockKey[] keys = keys(1, 3);
        byte[] block = randomBytes(5000);
        assertTrue(client.put(NS, keys, new ByteBuffer[] {ByteBuffer.wrap(block)}).join().allOk());
        ByteBuffer[] regions = regions(4093, 4093);
        GetResult got = client.getScattered(NS, keys, new ByteBuffer[][] {regions}).join();
        assertTrue(got.hit(0));
        assertEquals(5000, got.lengths()[0]);
        assertArrayEquals(block, Arrays.copyOf(joined(regions), 5000));
        assertEquals(GUARD, joined(regions)[5000], "nothing past the block's end is written");
    }

    @Test
    void aBlockWhoseBytesFailTheirCrcIsNotAHit() {
        connect();
        BlockKey[] keys = keys(2, 4);
        byte[][] blocks = {randomBytes(70_000), randomBytes(9000)};
        assertTrue(client.put(NS, keys, new ByteBuffer[] {ByteBuffer.wrap(blocks[0]), ByteBuffer.wrap(blocks[1])})
            .join().allOk());
        server.corruptNextGet = true; // one byte of the first block flipped, the CRC the stored one
        ByteBuffer[][] regions = {regions(split(70_000)), regions(4500, 4500)};
        GetResult got = client.getScattered(NS, keys, regions).join();
        assertEquals(ErrorCode.CHECKSUM_MISMATCH, got.statuses()[0], "scattered, then failed as a whole");
        assertFalse(got.hit(0));
        assertEquals(null, got.tiers()[0]);
        assertTrue(got.hit(1));
        assertArrayEquals(blocks[1], joined(regions[1]));
    }

    @Test
    void aBlockLongerThanItsRegionsIsTooSmallAndWritesNothing() {
        connect();
        BlockKey[] keys = keys(2, 5);
        byte[][] blocks = {randomBytes(3000), randomBytes(1000)};
        assertTrue(client.put(NS, keys, new ByteBuffer[] {ByteBuffer.wrap(blocks[0]), ByteBuffer.wrap(blocks[1])})
            .join().allOk());
        ByteBuffer[][] regions = {regions(1000, 1999), regions(1000)};
        GetResult got = client.getScattered(NS, keys, regions).join();
        assertEquals(ErrorCode.BUFFER_TOO_SMALL, got.statuses()[0]);
        assertEquals(3000, got.lengths()[0], "the length says how much room the block needs");
        byte[] untouched = joined(regions[0]);
        for (byte b : untouched) {
            assertEquals(GUARD, b, "nothing of a block that does not fit is written");
        }
        assertArrayEquals(blocks[1], joined(regions[1]));
    }

    @Test
    void missesAndMalformedCallsAreReported() {
        connect();
        GetResult got = client.getScattered(NS, keys(1, 6), new ByteBuffer[][] {regions(10)}).join();
        assertEquals(ErrorCode.NOT_FOUND, got.statuses()[0]);
        assertThrows(IllegalArgumentException.class, () -> client.getScattered(NS, keys(1, 6),
            new ByteBuffer[][] {{}}));
        assertThrows(IllegalArgumentException.class, () -> client.getScattered(NS, keys(1, 6),
            new ByteBuffer[][] {{ByteBuffer.allocate(4).asReadOnlyBuffer()}}));
        assertThrows(IllegalArgumentException.class, () -> client.putGathered(NS, keys(2, 6),
            new ByteBuffer[][] {regions(1)}));
    }
}
