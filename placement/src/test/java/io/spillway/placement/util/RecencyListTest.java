package io.spillway.placement.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Slots in recency order: acquire, touch, release and reuse, growth up to the maximum. */
class RecencyListTest {
    private static List<Integer> order(RecencyList list) {
        List<Integer> slots = new ArrayList<>();
        for (int s = list.head(); s != RecencyList.NONE; s = list.next(s)) {
            slots.add(s);
        }
        return slots;
    }

    @Test
    void keepsSlotsFromMostToLeastRecentlyUsedAndReusesFreedOnes() {
        RecencyList list = new RecencyList(2, 5);
        int a = list.acquire();
        int b = list.acquire();
        int c = list.acquire(); // grows past the initial two
        assertEquals(List.of(c, b, a), order(list));
        assertEquals(a, list.lru());
        list.touch(a);
        assertEquals(List.of(a, c, b), order(list));
        list.release(c);
        assertEquals(List.of(a, b), order(list));
        assertEquals(c, list.acquire(), "a freed slot comes back first");
        assertEquals(3, list.size());
        assertEquals(4, list.slotCapacity());
        list.acquire();
        list.acquire();
        assertEquals(5, list.slotCapacity(), "doubling stops at the maximum");
        assertThrows(IllegalStateException.class, list::acquire);
        list.clear();
        assertEquals(List.of(), order(list));
        assertEquals(RecencyList.NONE, list.lru());
    }

    @Test
    void slotCountsOutOfOrderAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RecencyList(0, 4));
        assertThrows(IllegalArgumentException.class, () -> new RecencyList(8, 4));
    }
}
