package io.spillway.router.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.event.NodeLoad;
import io.spillway.key.BlockKey;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.tier.TierKind;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class IndexFeedSinkTest {
    private final BlockLocationIndex index = new BlockLocationIndex(1 << 16);
    private final IndexFeedSink sink = new IndexFeedSink(index);

    private static UnsafeBuffer packed(BlockKey... keys) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[16 * keys.length]);
        for (int i = 0; i < keys.length; i++) {
            b.putLong(16 * i, keys[i].hi(), ByteOrder.BIG_ENDIAN);
            b.putLong(16 * i + 8, keys[i].lo(), ByteOrder.BIG_ENDIAN);
        }
        return b;
    }

    private static BlockKey key(int i) {
        return new BlockKey(7, i);
    }

    /** The index's content as "key@location" strings. */
    private Set<String> content() {
        Set<String> out = new HashSet<>();
        index.forEach((hi, lo, loc) -> out.add(new BlockKey(hi, lo).lo() + "@" + index.locations().location(loc)));
        return out;
    }

    private static String at(int i, String node, TierKind tier) {
        return i + "@" + IndexFeedSink.location(node, tier);
    }

    @Test
    void storedRemovedAndMovedLandOnTheNodesTierLocations() {
        sink.stored("n1", TierKind.CPU, packed(key(1), key(2), key(3)), 0, 3);
        sink.stored("n2", TierKind.NVME, packed(key(1)), 0, 1);
        sink.moved("n1", TierKind.CPU, TierKind.NVME, packed(key(2)), 0, 1);
        sink.removed("n1", TierKind.CPU, packed(key(3)), 0, 1);
        assertEquals(Set.of(at(1, "n1", TierKind.CPU), at(2, "n1", TierKind.NVME), at(1, "n2", TierKind.NVME)),
            content());
        assertEquals(Location.Kind.NODE, IndexFeedSink.location("n1", TierKind.CPU).kind());
    }

    @Test
    void resetForgetsOneNodeAndLaterStoresUseItsFreshLocations() {
        sink.stored("n1", TierKind.CPU, packed(key(1)), 0, 1);
        sink.stored("n1", TierKind.NVME, packed(key(2)), 0, 1);
        sink.stored("n2", TierKind.CPU, packed(key(1)), 0, 1);
        sink.load(new NodeLoad("n1", "h", 1, 100, 0, 0, 0, 0, 0, List.of()));
        sink.reset("n1");
        assertEquals(Set.of(at(1, "n2", TierKind.CPU)), content());
        sink.stored("n1", TierKind.CPU, packed(key(5)), 0, 1);
        assertTrue(content().contains(at(5, "n1", TierKind.CPU)));
    }

    @Test
    void clearedEmptiesOneTierOfOneNode() {
        sink.stored("n1", TierKind.CPU, packed(key(1)), 0, 1);
        sink.stored("n1", TierKind.NVME, packed(key(2)), 0, 1);
        sink.cleared("n1", TierKind.CPU);
        assertEquals(Set.of(at(2, "n1", TierKind.NVME)), content());
        sink.stored("n1", TierKind.CPU, packed(key(3)), 0, 1);
        assertEquals(Set.of(at(2, "n1", TierKind.NVME), at(3, "n1", TierKind.CPU)), content());
    }
}
