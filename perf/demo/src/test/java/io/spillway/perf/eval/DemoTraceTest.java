package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.sim.MooncakeTrace;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo runs on the trace slice the project ships, with nothing beside the clone (no ../shared). */
class DemoTraceTest {
    @Test
    void theShippedSliceIsMooncakesFirstTwoThousandRows() throws Exception {
        Path slice = DemoCommand.embeddedTrace();
        List<MooncakeTrace.Row> rows = MooncakeTrace.rows(slice);
        assertEquals(DemoCommand.EMBEDDED_ROWS, rows.size());
        assertEquals(0, rows.get(0).timestampMillis(), "the trace's first row");
        assertEquals(6758, rows.get(0).inputTokens(), "the trace's first row");
        assertEquals(600, Workloads.mooncake(slice, 600).requests().size(), "the demo's default slice fits");
    }

    @Test
    void moreRequestsThanShippedNeedTheWholeTrace() {
        CommandLine cli = new CommandLine(new DemoCommand());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("--requests", "2001");
        assertTrue(code != 0, "refused");
        assertTrue(err.toString().contains("--trace FILE"), err.toString());
    }
}
