package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WorkloadOptionsSizesTest {
    private static WorkloadOptions parse(String... args) {
        WorkloadOptions options = new WorkloadOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void sizeOptionsTakeBinarySuffixes() {
        WorkloadOptions o = parse("--block-size", "64K", "--cpu-capacity", "512MiB");
        assertEquals(64 << 10, o.blockBytes());
        assertEquals(512L << 20, o.cpuCapacityBytes());
        assertEquals(2 << 20, parse().blockBytes());
        assertEquals(4L << 30, parse().cpuCapacityBytes());
    }

    @Test
    void badSizesNameTheOptionAndTheValue() {
        assertEquals("--block-size must be at least 1 B, got '0'",
            assertThrows(IllegalArgumentException.class, () -> parse("--block-size", "0").blockBytes()).getMessage());
        assertEquals("--block-size must be at most 2147483583 B, got '2g'",
            assertThrows(IllegalArgumentException.class, () -> parse("--block-size", "2g").blockBytes()).getMessage());
        assertEquals("--cpu-capacity must be a byte count such as 1048576, 64k, 16m or 2t, got 'lots'",
            assertThrows(IllegalArgumentException.class, () -> parse("--cpu-capacity", "lots").cpuCapacityBytes())
                .getMessage());
    }
}
