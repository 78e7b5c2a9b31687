package io.spillway.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link BlockTier#reserve}'s default: bytes buffered by the writer and handed to {@code put} at commit. */
class DefaultReserveTest {
    private static final BlockKey NS = new BlockKey(1, 1);
    private static final BlockKey KEY = new BlockKey(2, 2);

    /** Only put is real: records what it was given and answers {@code answer}. */
    private static final class RecordingTier implements BlockTier {
        final Map<BlockKey, byte[]> puts = new HashMap<>();
        final Map<BlockKey, Integer> crcs = new HashMap<>();
        ErrorCode answer = ErrorCode.OK;

        @Override
        public ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
            byte[] b = new byte[src.remaining()];
            src.duplicate().get(b);
            puts.put(key, b);
            crcs.put(key, crc32c);
            return answer;
        }

        @Override
        public TierKind kind() {
            return TierKind.NVME;
        }

        @Override
        public BlockHandle get(BlockKey namespace, BlockKey key) {
            return null;
        }

        @Override
        public boolean contains(BlockKey key) {
            return puts.containsKey(key);
        }

        @Override
        public boolean remove(BlockKey key) {
            return puts.remove(key) != null;
        }

        @Override
        public TierCounters counters() {
            return new TierCounters();
        }

        @Override
        public void close() {
        }
    }

    private final RecordingTier tier = new RecordingTier();

    @Test
    void commitPutsTheWrittenBytesWithTheirChecksum() {
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7};
        BlockWriter w = tier.reserve(NS, KEY, bytes.length);
        assertEquals(ErrorCode.OK, w.status());
        assertEquals(bytes.length, w.target().capacity());
        assertTrue(w.target().isDirect());
        w.target().put(bytes, 0, 3);
        w.target().put(bytes, 3, 4);
        assertTrue(tier.puts.isEmpty(), "nothing is put before commit");

        assertEquals(ErrorCode.OK, w.commit(0xC0FFEE));

        assertArrayEquals(bytes, tier.puts.get(KEY));
        assertEquals(0xC0FFEE, tier.crcs.get(KEY));
    }

    @Test
    void commitAnswersWhatPutAnswers() {
        tier.answer = ErrorCode.BACK_PRESSURE;
        BlockWriter w = tier.reserve(NS, KEY, 1);
        w.target().put((byte) 9);
        assertEquals(ErrorCode.BACK_PRESSURE, w.commit(0));
    }

    @Test
    void abortPutsNothingAndEndsTheWriter() {
        BlockWriter w = tier.reserve(NS, KEY, 4);
        w.target().putInt(42);
        w.abort();
        w.abort();
        assertTrue(tier.puts.isEmpty());
        assertNull(w.target());
        assertThrows(IllegalStateException.class, () -> w.commit(0));
    }

    @Test
    void commitOfAnIncompleteBlockThrowsAndPutsNothing() {
        BlockWriter w = tier.reserve(NS, KEY, 4);
        w.target().put((byte) 1);
        assertThrows(IllegalStateException.class, () -> w.commit(0));
        assertTrue(tier.puts.isEmpty());
    }

    @Test
    void negativeLengthIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> tier.reserve(NS, KEY, -1));
    }

    @Test
    void refusedAndPresentWritersAreSharedAndWantNoBytes() {
        BlockWriter refused = BlockWriter.refused(ErrorCode.BACK_PRESSURE);
        assertSame(refused, BlockWriter.refused(ErrorCode.BACK_PRESSURE));
        assertNotSame(refused, BlockWriter.refused(ErrorCode.SHUTTING_DOWN));
        assertNull(refused.target());
        assertEquals(ErrorCode.BACK_PRESSURE, refused.commit(0));
        assertEquals(ErrorCode.OK, BlockWriter.present().status());
        assertNull(BlockWriter.present().target());
        assertEquals(ErrorCode.OK, BlockWriter.present().commit(0));
        assertThrows(IllegalArgumentException.class, () -> BlockWriter.refused(ErrorCode.OK));
    }
}
