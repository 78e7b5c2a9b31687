package io.spillway.perf.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesBinarySuffixesInAnyCase() {
        assertEquals(2L << 20, Sizes.parse("2m"));
        assertEquals(64L << 10, Sizes.parse("64k"));
        assertEquals(64L << 10, Sizes.parse("64K"));
        assertEquals(1L << 30, Sizes.parse("1g"));
        assertEquals(3L << 40, Sizes.parse("3t"));
        assertEquals(2L << 20, Sizes.parse("2MiB"));
        assertEquals(2L << 20, Sizes.parse("2mb"));
        assertEquals(512, Sizes.parse("512"));
        assertEquals(512, Sizes.parse(" 512b "));
        assertEquals(0, Sizes.parse("0"));
    }

    @Test
    void rejectsGarbageNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("2x"));
        assertTrue(e.getMessage().contains("'2x'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("m"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1k"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999999t"));
    }

    @Test
    void intSizesMustBePositiveAndFitAnInt() {
        assertEquals(2 << 20, Sizes.parseIntSize("2m"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseIntSize("0"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseIntSize("2g"));
    }

    @Test
    void formatsTheShortestExactForm() {
        assertEquals("2m", Sizes.format(2L << 20));
        assertEquals("64k", Sizes.format(64L << 10));
        assertEquals("1536k", Sizes.format(1536L << 10));
        assertEquals("4g", Sizes.format(4L << 30));
        assertEquals("1000", Sizes.format(1000));
        assertEquals(5L << 30, Sizes.parse(Sizes.format(5L << 30)));
    }

    @Test
    void humanFormIsForPeople() {
        assertEquals("512 B", Sizes.human(512));
        assertEquals("64.0 KiB", Sizes.human(64L << 10));
        assertEquals("384.0 MiB", Sizes.human(384L << 20));
        assertEquals("1.5 GiB", Sizes.human(3L << 29));
    }
}
