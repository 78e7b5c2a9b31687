package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MixesTest {
    @Test
    void mixIsReadsOverTotal() {
        assertEquals(0.8, Mixes.parseMix("80:20"), 1e-9);
        assertEquals(0.75, Mixes.parseMix("3:1"), 1e-9);
        assertEquals(1.0, Mixes.parseMix("1:0"), 1e-9);
        assertEquals(0.0, Mixes.parseMix("0:5"), 1e-9);
    }

    @Test
    void rejectsBadMixesAndRatios() {
        assertThrows(IllegalArgumentException.class, () -> Mixes.parseMix("80"));
        assertThrows(IllegalArgumentException.class, () -> Mixes.parseMix("0:0"));
        assertThrows(IllegalArgumentException.class, () -> Mixes.parseMix("a:b"));
        assertThrows(IllegalArgumentException.class, () -> Mixes.parseMix("-1:2"));
        assertThrows(IllegalArgumentException.class, () -> Mixes.checkRatio(1.5));
        assertThrows(IllegalArgumentException.class, () -> Mixes.checkRatio(Double.NaN));
        assertEquals(0.3, Mixes.checkRatio(0.3), 0);
    }
}
