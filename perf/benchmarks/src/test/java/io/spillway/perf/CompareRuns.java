package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import picocli.CommandLine;

/**
 * What the compare tests share: running {@code bench compare} in-process with its table captured, and reading back
 * its ratio sections.
 */
final class CompareRuns {
    /** The table {@code bench compare} printed and the JSON report it wrote. */
    record Result(String table, String json) {
    }

    private CompareRuns() {
    }

    /** Runs {@code cmd} with {@code args}; the run must succeed with every slice clean and no failures. */
    static Result runClean(CompareCommand cmd, Path json, List<String> args) throws Exception {
        int[] rc = new int[1];
        String table = captureStdout(() -> rc[0] = new CommandLine(cmd).execute(args.toArray(String[]::new)));
        System.out.println(table);
        String out = Files.readString(json);
        assertEquals(0, rc[0], out);
        assertTrue(out.contains("\"failures\":{}"), out);
        assertTrue(out.contains("\"clean\":true}"), out);
        return new Result(table, out);
    }

    /**
     * Checks a ratio section matched by {@code m}: groups 1-3 are the merged GET, PUT and batch ratios, groups 4-6
     * each round's; every ratio positive, {@code rounds} of them a phase.
     */
    static void assertRatios(Matcher m, int rounds, String out) {
        for (int g = 1; g <= 3; g++) {
            assertTrue(Double.parseDouble(m.group(g)) > 0, "merged ratio " + g + ": " + out);
        }
        for (int g = 4; g <= 6; g++) {
            List<Double> each = Arrays.stream(m.group(g).split(",")).map(Double::parseDouble).toList();
            assertEquals(rounds, each.size(), out);
            assertTrue(each.stream().allMatch(r -> r > 0), out);
        }
    }

    static String captureStdout(Runnable body) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
