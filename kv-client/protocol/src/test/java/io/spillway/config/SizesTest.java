package io.spillway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SizesTest {
    @Test
    void parsesBinarySuffixesInAnyCaseWithOptionalByteUnit() {
        assertEquals(2L << 20, Sizes.parse("x", "2m"));
        assertEquals(64L << 10, Sizes.parse("x", "64k"));
        assertEquals(64L << 10, Sizes.parse("x", "64K"));
        assertEquals(4L << 30, Sizes.parse("x", "4G"));
        assertEquals(3L << 40, Sizes.parse("x", "3t"));
        assertEquals(16L << 20, Sizes.parse("x", "16MiB"));
        assertEquals(2L << 20, Sizes.parse("x", "2mb"));
        assertEquals(16L << 20, Sizes.parse("x", " 16 M "));
        assertEquals(512, Sizes.parse("x", " 512b "));
        assertEquals(12345, Sizes.parse("x", "12345"));
        assertEquals(1 << 20, Sizes.parse("x", "1_048_576"));
        assertEquals(0, Sizes.parse("x", "0"));
    }

    @Test
    void rejectsGarbageNamingTheSettingAndTheValue() {
        assertMessage("spillway.nvme.capacityBytes must be a byte count such as 1048576, 64k, 16m or 2t, got '12x'",
            () -> Sizes.parse("spillway.nvme.capacityBytes", "12x"));
        assertMessage("s must be a byte count such as 1048576, 64k, 16m or 2t, got ''", () -> Sizes.parse("s", ""));
        assertMessage("s must be a byte count such as 1048576, 64k, 16m or 2t, got 'null'",
            () -> Sizes.parse("s", null));
        assertMessage("s must be a byte count such as 1048576, 64k, 16m or 2t, got 'm'", () -> Sizes.parse("s", "m"));
        assertMessage("s must not be negative, got '-1k'", () -> Sizes.parse("s", "-1k"));
        assertMessage("s must be below 8 EiB, got '9999999999t'", () -> Sizes.parse("s", "9999999999t"));
        assertEquals(8191L << 40, Sizes.parse("s", "8191t"));
    }

    @Test
    void boundsAreNamedInExactUnits() {
        assertEquals(2 << 20, Sizes.parseInt("--block-size", "2m", 1, Integer.MAX_VALUE - 64));
        assertMessage("--block-size must be at least 1 B, got '0'",
            () -> Sizes.parseInt("--block-size", "0", 1, Integer.MAX_VALUE - 64));
        assertMessage("--block-size must be at most 2147483583 B, got '2g'",
            () -> Sizes.parseInt("--block-size", "2g", 1, Integer.MAX_VALUE - 64));
        assertMessage("f must be at most 1 GiB, got '2g'", () -> Sizes.parse("f", "2g", 1, 1L << 30));
    }

    @Test
    void formatIsTheShortestExactFormAndReadsBack() {
        assertEquals("2m", Sizes.format(2L << 20));
        assertEquals("64k", Sizes.format(64L << 10));
        assertEquals("1536k", Sizes.format(1536L << 10));
        assertEquals("4g", Sizes.format(4L << 30));
        assertEquals("2t", Sizes.format(2L << 40));
        assertEquals("1024t", Sizes.format(1L << 50));
        assertEquals("1000", Sizes.format(1000));
        assertEquals("0", Sizes.format(0));
        for (long v : new long[] {0, 1, 1000, 5L << 30, 1536L << 10, Long.MAX_VALUE}) {
            assertEquals(v, Sizes.parse("x", Sizes.format(v)));
        }
    }

    @Test
    void exactNamesTheLargestUnitThatDivides() {
        assertEquals("512 MiB", Sizes.exact(512L << 20));
        assertEquals("4 GiB", Sizes.exact(4L << 30));
        assertEquals("1536 B", Sizes.exact(1536));
        assertEquals("1536 KiB", Sizes.exact(1536L << 10));
        assertEquals("0 B", Sizes.exact(0));
    }

    @Test
    void humanRoundsToOneDecimal() {
        assertEquals("512 B", Sizes.human(512));
        assertEquals("64.0 KiB", Sizes.human(64L << 10));
        assertEquals("384.0 MiB", Sizes.human(384L << 20));
        assertEquals("1.5 GiB", Sizes.human(3L << 29));
        assertEquals("2048.0 TiB", Sizes.human(2L << 50));
    }

    private static void assertMessage(String expected, Executable executable) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, executable).getMessage());
    }
}
