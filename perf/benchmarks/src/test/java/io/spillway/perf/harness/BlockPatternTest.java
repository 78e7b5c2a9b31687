package io.spillway.perf.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BlockPatternTest {
    private static ByteBuffer stamped(int size, long id, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        BlockPattern.fillTemplate(b);
        BlockPattern.stamp(b, id, size);
        return b;
    }

    @Test
    void stampedBlockChecksOutAtEverySize() {
        for (int size : new int[] {16, 24, 25, 80, 4096, 65536, 2 << 20}) {
            ByteBuffer b = stamped(size, 77, size % 2 == 0);
            assertEquals(0, b.position());
            assertEquals(size, b.limit());
            assertNull(BlockPattern.check(b, 77, size), "size " + size);
        }
    }

    @Test
    void detectsAnotherBlock() {
        ByteBuffer b = stamped(65536, 5, true);
        String problem = BlockPattern.check(b, 6, 65536);
        assertNotNull(problem);
        assertTrue(problem.contains("holds block 5"), problem);
    }

    @Test
    void detectsTruncationAndGarbledBytes() {
        ByteBuffer b = stamped(65536, 9, false);
        assertNotNull(BlockPattern.check(b.duplicate().limit(65535), 9, 65536));
        // flip one byte in the last probe word: the end of the block
        int last = BlockPattern.probeIndex(65536, BlockPattern.probeCount(65536), BlockPattern.probeCount(65536) - 1);
        b.put(last + 3, (byte) ~b.get(last + 3));
        String problem = BlockPattern.check(b, 9, 65536);
        assertNotNull(problem);
        assertTrue(problem.contains("wrong bytes"), problem);
    }

    @Test
    void detectsMissingHeader() {
        ByteBuffer zeros = ByteBuffer.allocate(4096);
        assertTrue(BlockPattern.check(zeros, 0, 4096).contains("no block header"));
    }

    @Test
    void probesDoNotOverlapAndReachTheEnd() {
        for (int size : new int[] {24, 40, 100, 65536, 2 << 20}) {
            int probes = BlockPattern.probeCount(size);
            int previous = -8;
            for (int i = 0; i < probes; i++) {
                int at = BlockPattern.probeIndex(size, probes, i);
                assertTrue(at >= previous + 8 && at + 8 <= size, "size " + size + " probe " + i + " at " + at);
                previous = at;
            }
            assertTrue(previous + 8 > size - 8, "last probe should cover the block's end, size " + size);
        }
    }

    @Test
    void rejectsBlocksSmallerThanTheHeader() {
        assertThrows(IllegalArgumentException.class, () -> BlockPattern.stamp(ByteBuffer.allocate(64), 1, 8));
    }
}
