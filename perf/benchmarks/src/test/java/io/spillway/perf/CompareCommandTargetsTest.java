package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Which targets {@code bench compare} runs, in which order, with and without {@code --tls}. */
class CompareCommandTargetsTest {
    private static CompareCommand parse(String... args) {
        CompareCommand cmd = new CompareCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void withoutTlsTheTargetsAreTheDefaultThree() {
        assertEquals(List.of("spillway", "redis", "tcp"), parse().kinds());
    }

    @Test
    void tlsRunsRightAfterThePlaintextNode() {
        assertEquals(List.of("spillway", "spillway-tls", "redis", "tcp"), parse("--tls").kinds());
        assertEquals(List.of("tcp", "spillway", "spillway-tls"), parse("--tls", "--targets", "tcp,spillway").kinds());
        assertEquals(List.of("spillway", "spillway-tls"), parse("--tls", "--targets", "spillway,spillway-tls").kinds());
    }

    @Test
    void tlsWithoutThePlaintextNodeIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> parse("--tls", "--targets", "redis").kinds());
        assertTrue(e.getMessage().contains("--targets must include spillway"), e.getMessage());
    }
}
