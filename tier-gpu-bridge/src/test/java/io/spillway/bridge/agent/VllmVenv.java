package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Python interpreter of the virtual environment with vLLM (bin/vllm-venv creates it once per clone, in
 * target/vllm-venv), and a runner for the Python drivers: a test that needs vLLM fails when it cannot be had, it never
 * skips itself.
 */
final class VllmVenv {
    private static Path python;

    private VllmVenv() {
    }

    /** The module directory Maven runs the tests in. */
    static Path module() {
        return Path.of("").toAbsolutePath();
    }

    static synchronized Path python() throws Exception {
        if (python == null) {
            Path script = module().getParent().resolve("bin/vllm-venv");
            Process p = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(20, TimeUnit.MINUTES), "bin/vllm-venv ran past 20 minutes");
            assertEquals(0, p.exitValue(), "bin/vllm-venv failed: " + out);
            python = Path.of(out);
            assertTrue(Files.isExecutable(python), "bin/vllm-venv printed " + out);
        }
        return python;
    }

    /**
     * Runs {@code script} (under src/test/python) with the venv's interpreter, the connector and the test drivers on
     * its path, and the JVM and class path that start nodes and agents; returns its output after checking its exit
     * code. Whatever the script left running goes with it.
     */
    static String run(String script, List<String> args, int timeoutMinutes) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(python().toString(), "-u",
            module().resolve("src/test/python/" + script).toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", module().resolve("src/main/python") + ":"
            + module().resolve("src/test/python"));
        pb.environment().put("SPILLWAY_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("SPILLWAY_CLASSPATH", System.getProperty("java.class.path"));
        // for running a driver by hand: SPILLWAY_CLASSPATH=$(cat target/test-classpath.txt) (see its docstring)
        Files.writeString(module().resolve("target/test-classpath.txt"), System.getProperty("java.class.path"));
        pb.environment().put("VLLM_LOGGING_LEVEL", "WARNING");
        pb.environment().put("HF_HUB_OFFLINE", "1");
        pb.environment().put("VLLM_NO_USAGE_STATS", "1");
        Process p = pb.start();
        String text;
        try {
            byte[] output = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(timeoutMinutes, TimeUnit.MINUTES), script + " ran past " + timeoutMinutes
                + " minutes");
            text = new String(output, StandardCharsets.UTF_8);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        System.out.println(text);
        assertEquals(0, p.exitValue(), text);
        return text;
    }
}
