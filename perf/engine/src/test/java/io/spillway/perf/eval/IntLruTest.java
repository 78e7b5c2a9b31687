package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** IntLru against LinkedHashMap in access order, the textbook LRU, over random operations. */
class IntLruTest {
    @Test
    void behavesAsAnAccessOrderedMapThatDropsItsEldest() {
        SplittableRandom r = new SplittableRandom(7);
        for (int capacity : new int[] {1, 2, 5, 64}) {
            IntLru lru = new IntLru(capacity);
            LinkedHashMap<Integer, Boolean> model = new LinkedHashMap<>(16, 0.75f, true);
            for (int op = 0; op < 20_000; op++) {
                int id = r.nextInt(capacity * 3);
                switch (r.nextInt(4)) {
                    case 0, 1 -> {
                        int expected = -1;
                        if (!model.containsKey(id) && model.size() == capacity) {
                            Iterator<Integer> eldest = model.keySet().iterator();
                            expected = eldest.next();
                            eldest.remove();
                        }
                        model.put(id, true);
                        assertEquals(expected, lru.add(id), "add " + id + " at op " + op);
                    }
                    case 2 -> assertEquals(model.get(id) != null, lru.touch(id), "touch " + id);
                    default -> assertEquals(model.remove(id) != null, lru.remove(id), "remove " + id);
                }
                assertEquals(model.size(), lru.size());
            }
            for (int id = 0; id < capacity * 3; id++) {
                assertEquals(model.containsKey(id), lru.contains(id), "contains " + id);
            }
        }
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new IntLru(0));
    }
}
