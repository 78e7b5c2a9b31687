package io.spillway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PropertyReaderTest {
    private static PropertyReader reader(String... nameValues) {
        Properties p = new Properties();
        for (int i = 0; i < nameValues.length; i += 2) {
            p.setProperty(nameValues[i], nameValues[i + 1]);
        }
        return PropertyReader.of(p);
    }

    @Test
    void absentPropertiesReadAsEmptySoDefaultsStay() {
        PropertyReader r = reader();
        assertFalse(r.string("a").isPresent());
        assertFalse(r.intValue("a").isPresent());
        assertFalse(r.longValue("a", 0, 1).isPresent());
        assertFalse(r.doubleValue("a").isPresent());
        assertFalse(r.size("a").isPresent());
        assertFalse(r.intSize("a").isPresent());
        assertFalse(r.bool("a").isPresent());
        assertFalse(r.enumValue("a", TimeUnit.class).isPresent());
        assertFalse(r.path("a").isPresent());
        assertEquals(7, r.intValue("a").orElse(7));
    }

    @Test
    void presentValuesAreTrimmedAndTyped() {
        PropertyReader r = reader("s", " text ", "i", " 42 ", "l", "1_000_000", "d", "0.25", "z", "16MiB",
            "b", "TRUE", "e", "seconds", "p", " /tmp/x ");
        assertEquals(Optional.of("text"), r.string("s"));
        assertEquals(OptionalInt.of(42), r.intValue("i"));
        assertEquals(OptionalLong.of(1_000_000), r.longValue("l"));
        assertEquals(OptionalDouble.of(0.25), r.doubleValue("d"));
        assertEquals(OptionalLong.of(16L << 20), r.size("z"));
        assertEquals(OptionalInt.of(16 << 20), r.intSize("z"));
        assertEquals(Optional.of(true), r.bool("b"));
        assertEquals(Optional.of(TimeUnit.SECONDS), r.enumValue("e", TimeUnit.class));
        assertEquals(Optional.of(Path.of("/tmp/x")), r.path("p"));
    }

    @Test
    void everyErrorNamesThePropertyAndTheValue() {
        assertMessage("p.s must not be empty, got ' '", () -> reader("p.s", " ").string("p.s"));
        assertMessage("p.i must not be empty, got ''", () -> reader("p.i", "").intValue("p.i"));
        assertMessage("p.i must be an integer, got 'four'", () -> reader("p.i", "four").intValue("p.i"));
        assertMessage("p.i must be at most 2147483647, got '4294967296'",
            () -> reader("p.i", "4294967296").intValue("p.i"));
        assertMessage("p.port must be at most 65535, got '70000'",
            () -> reader("p.port", "70000").intValue("p.port", 0, 65535));
        assertMessage("p.n must be at least 1, got '0'", () -> reader("p.n", "0").longValue("p.n", 1, 10));
        assertMessage("p.d must be a number, got 'half'", () -> reader("p.d", "half").doubleValue("p.d"));
        assertMessage("p.z must be a byte count such as 1048576, 64k, 16m or 2t, got 'lots'",
            () -> reader("p.z", "lots").size("p.z"));
        assertMessage("p.z must be at most 2147483647 B, got '4g'", () -> reader("p.z", "4g").intSize("p.z"));
        assertMessage("p.b must be true or false, got 'yes'", () -> reader("p.b", "yes").bool("p.b"));
        assertMessage("p.e must be one of [NANOSECONDS, MICROSECONDS, MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS], "
            + "got 'weeks'", () -> reader("p.e", "weeks").enumValue("p.e", TimeUnit.class));
        assertMessage("p.p must be a valid path (Nul character not allowed), got 'a\0b'",
            () -> reader("p.p", "a\0b").path("p.p"));
    }

    @Test
    void errorsEndWithTheOriginWhenOneIsKnown() {
        PropertyReader r = PropertyReader.of(Map.of("p.port", "70000", "p.z", "lots"),
            name -> "environment " + name.toUpperCase());
        assertMessage("p.port must be at most 65535, got '70000' (from environment P.PORT)",
            () -> r.intValue("p.port", 0, 65535));
        assertMessage("p.z must be a byte count such as 1048576, 64k, 16m or 2t, got 'lots' (from environment P.Z)",
            () -> r.size("p.z"));
    }

    @Test
    void systemPropertiesAreReadAtEachCall() {
        String name = "spillway.test.propertyReader";
        PropertyReader r = PropertyReader.systemProperties();
        assertFalse(r.intValue(name).isPresent());
        System.setProperty(name, "5");
        try {
            assertTrue(r.intValue(name).isPresent());
            assertEquals(5, r.intValue(name).getAsInt());
        } finally {
            System.clearProperty(name);
        }
    }

    private static void assertMessage(String expected, Executable executable) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, executable).getMessage());
    }
}
