package io.spillway.placement.index;

import io.spillway.key.BlockKey;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;

/** Keys, locations and whole-content snapshots shared by the index tests. */
final class IndexFixtures {
    private IndexFixtures() {
    }

    static BlockKey[] randomKeys(SplittableRandom random, int count) {
        BlockKey[] keys = new BlockKey[count];
        for (int i = 0; i < count; i++) {
            keys[i] = new BlockKey(random.nextLong(), random.nextLong());
        }
        return keys;
    }

    static Location pod(int i) {
        return Location.pod("10.0.0." + i + ":5557", Medium.GPU);
    }

    /** The keys packed as the batch calls read them: 16 bytes each, hi then lo, big-endian. */
    static UnsafeBuffer packed(List<BlockKey> keys) {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[keys.size() * BlockKey.BYTES]);
        for (int i = 0; i < keys.size(); i++) {
            buffer.putLong(i * BlockKey.BYTES, keys.get(i).hi(), ByteOrder.BIG_ENDIAN);
            buffer.putLong(i * BlockKey.BYTES + 8, keys.get(i).lo(), ByteOrder.BIG_ENDIAN);
        }
        return buffer;
    }

    static UnsafeBuffer packed(BlockKey... keys) {
        return packed(List.of(keys));
    }

    /** Everything {@link BlockLocationIndex#forEach} reports, as key to location ids; fails on a repeated pair. */
    static Map<BlockKey, Set<Integer>> content(BlockLocationIndex index) {
        Map<BlockKey, Set<Integer>> content = new HashMap<>();
        List<String> repeats = new ArrayList<>();
        index.forEach((hi, lo, location) -> {
            BlockKey key = new BlockKey(hi, lo);
            if (!content.computeIfAbsent(key, k -> new HashSet<>()).add(location)) {
                repeats.add(key + "@" + location);
            }
        });
        if (!repeats.isEmpty()) {
            throw new AssertionError("forEach reported pairs twice: " + repeats);
        }
        return content;
    }

    /** Writes that sweep until no retired id awaits its purge (each removes a key nobody holds). */
    static void finishPurge(BlockLocationIndex index, int anyLiveId) {
        for (int i = 0; index.retiredIds() > 0; i++) {
            if (i > 1_000_000) {
                throw new AssertionError("purge did not complete: " + index.retiredIds() + " ids still retired");
            }
            index.remove(0x5EED, i, anyLiveId);
        }
    }
}
