package io.spillway.router.chat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Python of the project's vLLM environment ({@code bin/vllm-venv}: vLLM 0.34.0, transformers, tokenizers), for
 * tests that check the router against vLLM's own code. The environment is made on first use (minutes); a machine
 * where it cannot be made fails the test, never skips it.
 */
public final class VllmPython {
    private VllmPython() {
    }

    /** The repository's root: the router module's parent. */
    public static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isRegularFile(here.resolve("bin/vllm-venv")) ? here : here.getParent();
    }

    public static Path interpreter() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", root().resolve("bin/vllm-venv").toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
            throw new IllegalStateException("bin/vllm-venv gave no Python (exit " + p.exitValue() + ")");
        }
        return Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
    }

    /** Runs {@code script} (under src/test/python) with {@code args}; returns its standard output. */
    public static String run(String script, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(interpreter().toString(),
            root().resolve("router/src/test/python").resolve(script).toString()));
        command.addAll(args);
        Path err = Files.createTempFile("vllm-python", ".err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " failed (exit " + p.exitValue() + "): " + Files.readString(err));
        }
        return out;
    }
}
