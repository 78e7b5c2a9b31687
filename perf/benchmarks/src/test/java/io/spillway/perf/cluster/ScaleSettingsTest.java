package io.spillway.perf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleSettingsTest {
    private static ScaleSettings settings(List<Integer> nodes, int replication) {
        return new ScaleSettings(nodes, replication, 256 << 10, 4, 0.3, 4, 1, 2, 1, "512m", 1, List.of());
    }

    @Test
    void replicationIsCappedAtEachSize() {
        ScaleSettings s = settings(List.of(1, 2, 3), 2);
        assertEquals(1, s.replicationFor(1));
        assertEquals(2, s.replicationFor(2));
        assertEquals(2, s.replicationFor(3));
    }

    @Test
    void theWorkingSetIsHalfOfOneNodesCpuTier() {
        ScaleSettings s = settings(List.of(1), 1);
        assertEquals(256, s.keysPerWorker()); // 256 MiB / 256 KiB / 4 threads
    }

    @Test
    void badShapesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> settings(List.of(1, 1), 1)).getMessage()
            .contains("[1, 1]"));
        assertThrows(IllegalArgumentException.class, () -> settings(List.of(0), 1));
        assertThrows(IllegalArgumentException.class, () -> settings(List.of(), 1));
        assertThrows(IllegalArgumentException.class, () -> settings(List.of(1), 0));
    }

    @Test
    void ratiosAreToTheFirstSizeAndAWrongByteFailsTheRun() {
        ScaleSettings s = settings(List.of(1, 2), 1);
        ScaleReport.Window w1 = new ScaleReport.Window(0, 1000, 1e9, 10, 0, 5, 0, 0, 1, 0.5, 0.9);
        ScaleReport.Window w2 = new ScaleReport.Window(0, 1500, 1.5e9, 10, 0, 5, 0, 0, 1, 0.7, 0.95);
        ScaleReport ok = new ScaleReport(s, List.of(
            new ScaleReport.Size(1, 1, List.of(w1), 8, new long[] {8, 0, 0, 0}),
            new ScaleReport.Size(2, 1, List.of(w2), 8, new long[] {8, 0, 0, 0})));
        assertEquals(1.5, ok.ratio(ok.sizes().get(1)), 1e-9);
        assertTrue(ok.passed(), ok.problems().toString());

        ScaleReport bad = new ScaleReport(s, List.of(
            new ScaleReport.Size(1, 1, List.of(w1), 8, new long[] {7, 0, 0, 1})));
        assertFalse(bad.passed());
        assertEquals(2, bad.problems().size(), bad.problems().toString());
    }
}
