package io.spillway.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.control.v1.BlockSnapshotChunk;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockTier;
import io.spillway.tier.TierCounters;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a snapshot is cut into chunks: header on the first, keys per tier in order, the last one marked. */
class SnapshotChunksTest {
    private static List<BlockKey> keys(int n, long tag) {
        List<BlockKey> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new BlockKey(tag, i));
        }
        return out;
    }

    private static List<BlockSnapshotChunk> all(List<List<BlockKey>> listed) {
        SnapshotService.Chunks chunks = new SnapshotService.Chunks("node-7", 0xABCL, 42,
            List.of(new ListedTier(TierKind.CPU), new ListedTier(TierKind.NVME)), listed);
        List<BlockSnapshotChunk> out = new ArrayList<>();
        while (chunks.hasNext()) {
            out.add(chunks.next());
        }
        return out;
    }

    private static List<BlockKey> decode(BlockSnapshotChunk c) {
        List<BlockKey> out = new ArrayList<>();
        ByteBuffer b = c.getKeys().asReadOnlyByteBuffer();
        for (int at = 0; at < c.getKeys().size(); at += BlockKey.BYTES) {
            out.add(BlockKey.read(b, at));
        }
        return out;
    }

    @Test
    void anEmptyNodeIsOneLastChunkWithTheHeader() {
        List<BlockSnapshotChunk> c = all(List.of(List.of(), List.of()));
        assertEquals(1, c.size());
        assertTrue(c.get(0).getLast());
        assertEquals(0xABCL, c.get(0).getSessionId());
        assertEquals(42, c.get(0).getSequence());
        assertEquals("node-7", c.get(0).getNodeId());
        assertEquals(0, c.get(0).getKeys().size());
    }

    @Test
    void keysComeTierByTierInChunksOfAtMostTheLimitAndOnlyTheLastIsMarked() {
        int per = SnapshotService.KEYS_PER_CHUNK;
        List<BlockKey> cpu = keys(per + 3, 1);
        List<BlockKey> nvme = keys(per, 2);
        List<BlockSnapshotChunk> c = all(List.of(cpu, nvme));
        assertEquals(3, c.size());
        assertEquals(List.of(0, 0, 1), c.stream().map(BlockSnapshotChunk::getTier).toList());
        assertEquals(List.of(false, false, true), c.stream().map(BlockSnapshotChunk::getLast).toList());
        assertEquals("node-7", c.get(0).getNodeId());
        assertEquals("", c.get(1).getNodeId(), "the header rides on the first chunk only");
        List<BlockKey> gotCpu = new ArrayList<>(decode(c.get(0)));
        gotCpu.addAll(decode(c.get(1)));
        assertEquals(cpu, gotCpu);
        assertEquals(nvme, decode(c.get(2)));
    }

    @Test
    void anEmptyFirstTierIsSkipped() {
        List<BlockSnapshotChunk> c = all(List.of(List.of(), keys(5, 3)));
        assertEquals(1, c.size());
        assertEquals(1, c.get(0).getTier());
        assertTrue(c.get(0).getLast());
        assertEquals(5, decode(c.get(0)).size());
        assertFalse(c.get(0).getNodeId().isEmpty());
    }

    /** A tier that only has a kind: what the chunker asks of it. */
    private record ListedTier(TierKind kind) implements BlockTier {
        @Override
        public ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
            throw new UnsupportedOperationException();
        }

        @Override
        public BlockHandle get(BlockKey namespace, BlockKey key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean contains(BlockKey key) {
            return false;
        }

        @Override
        public boolean remove(BlockKey key) {
            return false;
        }

        @Override
        public TierCounters counters() {
            return new TierCounters();
        }

        @Override
        public void close() {
        }
    }
}
