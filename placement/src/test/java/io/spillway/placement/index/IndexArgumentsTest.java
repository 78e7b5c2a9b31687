package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input is an IllegalArgumentException naming the value, and leaves the index as it was. */
class IndexArgumentsTest {
    private final BlockLocationIndex index = new BlockLocationIndex(100);
    private final int a = index.location(pod(1));

    @Test
    void maxKeysOutOfRange() {
        rejects(() -> new BlockLocationIndex(0), "0");
        rejects(() -> new BlockLocationIndex(-5), "-5");
        rejects(() -> new BlockLocationIndex(Long.MAX_VALUE), String.valueOf(Long.MAX_VALUE));
        assertEquals(7, new BlockLocationIndex(7).maxKeys());
    }

    @Test
    void shardsAndHelpersOutOfRange() {
        rejects(() -> new BlockLocationIndex(1000, 0, 0, 0), "0");
        rejects(() -> new BlockLocationIndex(1000, 0, 3, 0), "3");
        rejects(() -> new BlockLocationIndex(1000, 0, 128, 0), "128");
        rejects(() -> new BlockLocationIndex(4, 0, 8, 0), "8");
        rejects(() -> new BlockLocationIndex(1000, 0, 1, 1), "1 shard");
        rejects(() -> new BlockLocationIndex(1000, 0, 4, -1), "-1");
        rejects(() -> new BlockLocationIndex(1000, 0, 4, 17), "17");
        try (BlockLocationIndex sharded = new BlockLocationIndex(1000, 0, 8, 1)) {
            assertEquals(8, sharded.shards());
            assertEquals(1000, sharded.maxKeys());
        }
    }

    @Test
    void locationIdsOutOfRangeOrNeverIssued() {
        rejects(() -> index.add(1, 1, 0), "0");
        rejects(() -> index.add(1, 1, 65_536), "65536");
        rejects(() -> index.remove(1, 1, -1), "-1");
        rejects(() -> index.contains(1, 1, 2), "2");
        rejects(() -> index.sizeOf(900), "900");
        rejects(() -> index.moveAll(a, 3, new UnsafeBuffer(new byte[16]), 0, 1), "3");
        assertEquals(0, index.size());
    }

    @Test
    void countsAndBuffers() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[48]);
        rejects(() -> index.addAll(a, buffer, 0, -1), "-1");
        rejects(() -> index.addAll(a, buffer, 0, 4), "4");
        rejects(() -> index.addAll(a, buffer, 8, 3), "8");
        rejects(() -> index.removeAll(a, buffer, -16, 1), "-16");
        rejects(() -> index.addAll(a, buffer, Integer.MAX_VALUE, 1), String.valueOf(Integer.MAX_VALUE));
        rejects(() -> index.addAll(a, new long[2], new long[3], 3), "3");
        rejects(() -> index.removeAll(a, new long[2], new long[2], -2), "-2");
        rejects(() -> index.longestPrefix(new long[1], new long[1], 2, new PrefixRuns()), "2");
        assertEquals(0, index.size(), "nothing half-applied");
        assertEquals(1, index.addAll(a, buffer, 0, 3), "a zeroed buffer holds one key, (0, 0), three times");
        assertEquals(0, index.addAll(a, buffer, 48, 0));
    }

    private static void rejects(Executable call, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(value), "'" + e.getMessage() + "' names " + value);
    }
}
