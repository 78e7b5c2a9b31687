package io.spillway.perf.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The security mode a bench node is started with. */
class SpillwayServerProcessArgsTest {
    @Test
    void aNodeServesPlaintextWhenTheCallerChoosesNoMode() {
        assertEquals(List.of("--set", "spillway.security.mode=none", "--set", "spillway.server.nvmeEnabled=false"),
            SpillwayServerProcess.withSecurityMode(List.of("--set", "spillway.server.nvmeEnabled=false")));
    }

    @Test
    void theCallersModeIsKept() {
        List<String> mtls = List.of("--set", "spillway.security.mode=mtls", "--set", "spillway.security.certFile=c");
        assertEquals(mtls, SpillwayServerProcess.withSecurityMode(mtls));
        List<String> joined = List.of("--set=spillway.security.mode=token");
        assertEquals(joined, SpillwayServerProcess.withSecurityMode(joined));
    }
}
