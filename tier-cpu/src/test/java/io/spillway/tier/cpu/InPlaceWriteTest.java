package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.assertBlock;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link CpuTier#reserve}: blocks written in place into the tier's memory, then committed or aborted. */
@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class InPlaceWriteTest {
    @RegisterExtension
    final TierInvariants tiers;
    private final CpuTier tier;

    InPlaceWriteTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
        tier = tiers.open(TestBlocks.smallTier());
    }

    @Test
    void bytesWrittenInSlicesAndCommittedAreReadBackByteIdentical() {
        BlockKey k = key(1);
        ByteBuffer src = bytes(k, BLOCK);
        BlockWriter w = tier.reserve(NS, k, BLOCK);
        assertEquals(ErrorCode.OK, w.status());
        assertEquals(BLOCK, tier.allocatedBytes(), "the memory is taken at reservation");
        writeInSlices(w, src, 3);
        assertFalse(tier.contains(k), "invisible until committed");

        assertEquals(ErrorCode.OK, w.commit(crc(src)));

        try (BlockHandle h = tier.get(NS, k)) {
            assertBlock(k, BLOCK, h.data());
            assertEquals(crc(src), h.crc32c());
        }
        assertEquals(1, tier.counters().puts.sum());
        assertEquals(BLOCK, tier.counters().bytes.get());
        assertEquals(1, tier.counters().blocks.get());
        assertEquals(BLOCK, tier.allocatedBytes(), "no second copy");
        w.abort(); // harmless after commit
        try (BlockHandle h = tier.get(NS, k)) {
            assertNotNull(h, "an abort after commit leaves the block");
        }
    }

    @Test
    void zeroLengthBlockRoundTrips() {
        BlockWriter w = tier.reserve(NS, key(2), 0);
        assertEquals(ErrorCode.OK, w.commit(0));
        try (BlockHandle h = tier.get(NS, key(2))) {
            assertEquals(0, h.length());
        }
    }

    @Test
    void abortFreesTheMemoryAndNothingBecomesVisible() {
        BlockKey k = key(3);
        BlockWriter w = tier.reserve(NS, k, BLOCK);
        writeInSlices(w, bytes(k, BLOCK / 2), 1);

        w.abort();
        w.abort();

        assertEquals(0, tier.allocatedBytes());
        assertEquals(0, tier.activeAllocations());
        assertFalse(tier.contains(k));
        assertNull(tier.get(NS, k));
        assertEquals(0, tier.counters().puts.sum());
        assertEquals(0, tier.counters().blocks.get());
        assertThrows(IllegalStateException.class, () -> w.commit(0), "an aborted writer cannot commit");
    }

    @Test
    void commitOfAnIncompleteBlockIsRefusedAndTheWriterCanStillAbort() {
        BlockWriter w = tier.reserve(NS, key(4), BLOCK);
        writeInSlices(w, bytes(key(4), BLOCK - 1), 1);

        assertThrows(IllegalStateException.class, () -> w.commit(0));
        assertFalse(tier.contains(key(4)));

        w.abort();
        assertEquals(0, tier.allocatedBytes());
    }

    @Test
    void uncommittedReservationsCountAgainstTheCap() {
        List<BlockWriter> open = new ArrayList<>();
        BlockWriter w;
        while ((w = tier.reserve(NS, key(100 + open.size()), BLOCK)).status() == ErrorCode.OK) {
            open.add(w);
        }
        assertEquals(tier.capacityBytes() / BLOCK, open.size(), "reservations alone fill the cap");
        assertEquals(ErrorCode.BACK_PRESSURE, w.status());
        assertNull(w.target(), "a refusal has no memory");
        assertEquals(ErrorCode.BACK_PRESSURE, w.commit(0));
        assertEquals(1, tier.counters().backPressured.sum());
        assertEquals(tier.capacityBytes(), tier.allocatedBytes());

        open.remove(0).abort();
        BlockWriter again = tier.reserve(NS, key(99), BLOCK);
        assertEquals(ErrorCode.OK, again.status(), "the aborted reservation's bytes are free again");

        again.abort();
        open.forEach(BlockWriter::abort);
    }

    @Test
    void aKeyAlreadyPresentGetsAWriterThatDropsTheBytesAndKeepsTheOriginal() {
        BlockKey k = key(5);
        ByteBuffer original = bytes(k, BLOCK);
        assertEquals(ErrorCode.OK, tier.put(NS, k, original, crc(original)));

        BlockWriter w = tier.reserve(NS, k, 100);

        assertSame(BlockWriter.present(), w);
        assertEquals(ErrorCode.OK, w.status());
        assertNull(w.target());
        assertEquals(BLOCK, tier.allocatedBytes(), "nothing reserved");
        assertEquals(ErrorCode.OK, w.commit(12345));
        try (BlockHandle h = tier.get(NS, k)) {
            assertBlock(k, BLOCK, h.data());
            assertEquals(crc(original), h.crc32c());
        }
        assertEquals(1, tier.counters().puts.sum());
    }

    @Test
    void commitThatLosesARaceWithAPutOfTheSameKeyKeepsTheFirstAndFreesItsBytes() {
        BlockKey k = key(6);
        BlockWriter w = tier.reserve(NS, k, BLOCK);
        ByteBuffer other = bytes(key(7), BLOCK);
        writeInSlices(w, other, 2);
        ByteBuffer original = bytes(k, BLOCK);
        assertEquals(ErrorCode.OK, tier.put(NS, k, original, crc(original)));

        assertEquals(ErrorCode.OK, w.commit(crc(other)));

        try (BlockHandle h = tier.get(NS, k)) {
            assertBlock(k, BLOCK, h.data());
        }
        assertEquals(BLOCK, tier.allocatedBytes(), "the loser's memory is freed");
        assertEquals(1, tier.activeAllocations());
        assertEquals(BLOCK, tier.counters().bytes.get());
        assertEquals(1, tier.counters().blocks.get());
        assertEquals(1, tier.counters().puts.sum());
    }

    @Test
    void refusalsAllocateNothing() {
        BlockWriter tooLarge = tier.reserve(NS, key(8), tier.context().maxBlockBytes() + 1);
        assertEquals(ErrorCode.BLOCK_TOO_LARGE, tooLarge.status());
        assertSame(tooLarge, BlockWriter.refused(ErrorCode.BLOCK_TOO_LARGE), "a shared constant");
        tier.close();
        assertEquals(ErrorCode.SHUTTING_DOWN, tier.reserve(NS, key(9), BLOCK).status());
        assertEquals(0, tier.allocatedBytes());
    }

    @Test
    void writersOpenAtCloseFreeTheirMemoryWhenTheyCommitOrAbort() {
        BlockWriter committing = tier.reserve(NS, key(10), BLOCK);
        BlockWriter aborting = tier.reserve(NS, key(11), BLOCK);
        writeInSlices(committing, bytes(key(10), BLOCK), 1);

        tier.close();
        assertEquals(2L * BLOCK, tier.allocatedBytes(), "still owned by the writers");

        assertEquals(ErrorCode.SHUTTING_DOWN, committing.commit(0));
        aborting.abort();
        assertEquals(0, tier.allocatedBytes());
        assertEquals(0, tier.activeAllocations());
        assertEquals(0, tier.counters().blocks.get());
        assertEquals(0, tier.counters().bytes.get());
        assertFalse(tier.contains(key(10)));
    }

    /** Writes {@code src} into the writer's target in {@code slices} pieces, as a network read would. */
    static void writeInSlices(BlockWriter w, ByteBuffer src, int slices) {
        ByteBuffer target = w.target();
        ByteBuffer in = src.duplicate();
        int step = Math.max(1, in.remaining() / slices);
        while (in.hasRemaining()) {
            ByteBuffer slice = in.duplicate();
            slice.limit(Math.min(in.limit(), in.position() + step));
            in.position(slice.limit());
            target.put(slice);
        }
    }
}
