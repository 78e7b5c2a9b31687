package io.spillway.perf.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuMeterTest {
    @Test
    void idleAndIowaitAreNotBusy() {
        // user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user already)
        long[] v = CpuMeter.parseCpuLine("cpu  100 5 50 800 40 1 4 0 7 0");
        assertArrayEquals(new long[] {1000, 160}, v);
    }

    @Test
    void aShortLineFromAnOldKernelStillParses() {
        assertArrayEquals(new long[] {10, 4}, CpuMeter.parseCpuLine("cpu 1 1 2 6"));
    }

    @Test
    void aPerCoreLineIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CpuMeter.parseCpuLine("cpu0 1 2 3 4 5"));
    }

    @Test
    void thisJvmUsesCpuWhileItSpins() {
        CpuMeter meter = CpuMeter.start(ProcessHandle.current().pid(), Long.MAX_VALUE);
        long until = System.nanoTime() + 200_000_000L;
        long x = 0;
        while (System.nanoTime() < until) {
            x += x * 31 + 7;
        }
        CpuMeter.Reading r = meter.stop();
        assertTrue(r.cores()[0] > 0.3, "spinning thread used " + r.cores()[0] + " cores (" + x + ")");
        assertTrue(Double.isNaN(r.cores()[1]), "a pid that does not exist reads NaN");
        assertEquals(r.cores()[0], r.sum(), 1e-9);
        assertTrue(r.busy() > 0 && r.busy() <= 1, "machine busy " + r.busy());
    }
}
