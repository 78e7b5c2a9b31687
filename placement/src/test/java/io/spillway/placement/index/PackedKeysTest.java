package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.packed;
import static io.spillway.placement.index.IndexFixtures.pod;
import static io.spillway.placement.index.IndexFixtures.randomKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The packed batch calls read a key as its wire form (BlockKey.write: hi then lo, big-endian). */
class PackedKeysTest {
    @Test
    void batchesReadTheKeysWireForm() {
        BlockKey[] keys = randomKeys(new SplittableRandom(8), 100);
        ByteBuffer wire = ByteBuffer.allocate(5 + keys.length * BlockKey.BYTES);
        for (int i = 0; i < keys.length; i++) {
            keys[i].write(wire, 5 + i * BlockKey.BYTES);
        }
        BlockLocationIndex index = new BlockLocationIndex(1000);
        int a = index.location(pod(1));
        assertEquals(keys.length, index.addAll(a, new UnsafeBuffer(wire), 5, keys.length));
        assertEquals(0, index.addAll(a, new UnsafeBuffer(wire), 5, keys.length), "nothing new the second time");
        for (BlockKey key : keys) {
            assertTrue(index.contains(key.hi(), key.lo(), a), key.toString());
        }
        assertEquals(50, index.removeAll(a, new UnsafeBuffer(wire), 5, 50));
        assertEquals(50, index.size());
        assertFalse(index.contains(keys[0].hi(), keys[0].lo(), a));
    }

    @Test
    void moveAllPutsEveryKeyAtTheTargetAndCountsThoseThatWereAtTheSource() {
        BlockKey[] keys = randomKeys(new SplittableRandom(9), 6);
        BlockLocationIndex index = new BlockLocationIndex(1000);
        int cpu = index.location(Location.node("n1", Medium.CPU));
        int nvme = index.location(Location.node("n1", Medium.NVME));
        for (int i = 0; i < 4; i++) {
            index.add(keys[i].hi(), keys[i].lo(), cpu);
        }
        index.add(keys[0].hi(), keys[0].lo(), nvme);
        assertEquals(4, index.moveAll(cpu, nvme, packed(keys), 0, keys.length));
        assertEquals(0, index.sizeOf(cpu));
        assertEquals(6, index.sizeOf(nvme));
        assertEquals(6, index.size());
        assertEquals(6, index.moveAll(nvme, nvme, packed(keys), 0, keys.length), "onto itself: nothing changes");
        assertEquals(6, index.sizeOf(nvme));

        int retired = nvme;
        int fresh = index.clear(Location.node("n1", Medium.NVME));
        assertEquals(0, index.moveAll(retired, cpu, packed(keys), 0, keys.length), "a retired source holds nothing");
        assertEquals(6, index.sizeOf(cpu), "the target still takes the keys");
        assertEquals(6, index.moveAll(cpu, retired, packed(keys), 0, keys.length));
        assertEquals(0, index.sizeOf(cpu));
        assertEquals(0, index.sizeOf(fresh), "a retired target takes nothing");
    }
}
