package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.event.vllm.VllmPython;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs this module's Python drivers with the interpreter of the virtual environment with vLLM ({@link
 * VllmPython#interpreter}: bin/vllm-venv makes it once per clone), the connector and the drivers on its path, and the
 * JVM and class path that start nodes and agents. A test that needs vLLM fails when it cannot be had; it never skips.
 */
final class VllmVenv {
    private VllmVenv() {
    }

    /** The module directory Maven runs the tests in. */
    static Path module() {
        return Path.of("").toAbsolutePath();
    }

    /**
     * Runs {@code script} (under src/test/python) with the venv's interpreter, the connector and the test drivers on
     * its path, and the JVM and class path that start nodes and agents; returns its output after checking its exit
     * code. Whatever the script left running goes with it.
     */
    static String run(String script, List<String> args, int timeoutMinutes) throws Exception {
        List<String> command = new ArrayList<>(List.of(VllmPython.interpreter().toString(), "-u",
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
