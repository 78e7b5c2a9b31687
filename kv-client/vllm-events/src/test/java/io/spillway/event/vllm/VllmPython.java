package io.spillway.event.vllm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/python/vllm_kv_events.py under the interpreter of the repository's vLLM environment
 * ({@code bin/vllm-venv}: vLLM 0.34.0, msgspec; made in {@code target/vllm-venv} at the repository root on first use),
 * so tests check Spillway's vLLM codec against vLLM's own classes. Shared with router, kv-server and tier-gpu-bridge
 * through spillway-vllm-events' test jar. Never skips: when the environment cannot be made or the script fails, the calling test fails
 * with what they printed.
 */
public final class VllmPython {
    /** vLLM's environment takes minutes to make the first time (a few GB of wheels). */
    private static final Duration VENV_TIMEOUT = Duration.ofMinutes(20);
    private static Path interpreter;

    private VllmPython() {
    }

    /**
     * The repository's root, found from the module directory Maven runs a test in (or the root itself).
     *
     * @throws IllegalStateException when neither it nor its parent holds bin/vllm-venv
     */
    public static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/vllm-venv")) && Files.isDirectory(p.resolve("kv-client"))) {
                return p;
            }
        }
        throw new IllegalStateException("no bin/vllm-venv in " + here + " or a directory above it");
    }

    /** The script, in spillway-vllm-events' test sources (kv-client/vllm-events). */
    public static Path script() {
        return repositoryRoot().resolve("kv-client/vllm-events/src/test/python/vllm_kv_events.py");
    }

    /** The environment's Python, made by {@code bin/vllm-venv} on the first call (it waits for a maker already at it). */
    public static synchronized Path interpreter() {
        if (interpreter == null) {
            Path root = repositoryRoot();
            Result r = exec(List.of(root.resolve("bin/vllm-venv").toString()), root, null, VENV_TIMEOUT);
            String path = r.stdout().strip();
            if (r.exitCode() != 0 || path.isEmpty() || !Files.isExecutable(Path.of(path))) {
                throw new AssertionError("bin/vllm-venv could not make vLLM's environment (exit " + r.exitCode()
                    + "):\n" + r.stderr() + r.stdout());
            }
            interpreter = Path.of(path);
        }
        return interpreter;
    }

    /**
     * Runs the script with {@code args}, {@code stdin} (or none) as its input; returns its standard output's lines.
     *
     * @throws AssertionError when it exits other than 0 or runs past {@code timeout}, with its output
     */
    public static List<String> run(List<String> args, String stdin, Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(interpreter().toString());
        command.add(script().toString());
        command.addAll(args);
        Result r = exec(command, repositoryRoot().resolve("target"), stdin, timeout);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.stderr()
                + r.stdout());
        }
        return r.stdout().lines().toList();
    }

    /** A finished process: its exit code (-1 when it was killed at the timeout) and what it printed. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code command} in {@code dir}; its output goes to files there, so neither pipe can fill and stall it. */
    private static Result exec(List<String> command, Path dir, String stdin, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            Files.createDirectories(dir);
            out = Files.createTempFile(dir, "vllm-python-", ".out");
            err = Files.createTempFile(dir, "vllm-python-", ".err");
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new AssertionError(command + " ran past " + timeout + ":\n" + Files.readString(err)
                    + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a leftover file under target/ costs nothing
            }
        }
    }
}
