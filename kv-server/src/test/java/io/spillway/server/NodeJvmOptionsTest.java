package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeJvmOptionsTest {
    @Test
    void smallMachinesRunC1OnlyLargerOnesTheDefaultJit() {
        assertEquals(List.of("-XX:TieredStopAtLevel=1"), NodeJvmOptions.choose(null, 1));
        assertEquals(List.of("-XX:TieredStopAtLevel=1"), NodeJvmOptions.choose("auto", 2));
        assertEquals(List.of(), NodeJvmOptions.choose(null, 3));
        assertEquals(List.of(), NodeJvmOptions.choose(" ", 64));
    }

    @Test
    void theEnvironmentOverridesEitherWay() {
        assertEquals(List.of(), NodeJvmOptions.choose("c2", 2));
        assertEquals(List.of("-XX:TieredStopAtLevel=1"), NodeJvmOptions.choose("C1", 64));
    }

    @Test
    void aBadValueIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeJvmOptions.choose("graal", 2));
        assertTrue(e.getMessage().contains("SPILLWAY_NODE_JIT") && e.getMessage().contains("graal"), e.getMessage());
    }

    @Test
    void explicitJitOptionsAreRecognised() {
        assertTrue(NodeJvmOptions.choosesJit(List.of("-Xmx1g", "-XX:TieredStopAtLevel=4")));
        assertTrue(NodeJvmOptions.choosesJit(List.of("-XX:-TieredCompilation")));
        assertFalse(NodeJvmOptions.choosesJit(List.of("-Xmx1g", "-XX:+UseSerialGC")));
    }
}
