package io.spillway.perf.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The Python that holds the peers' own clients: {@code -Dspillway.peers.python=PATH} when given, else the one
 * {@code bin/peers-venv} makes (or finds) under the repository that the working directory lies in.
 */
public final class PeersVenv {
    public static final String PYTHON_PROP = "spillway.peers.python";
    private static final long MAKE_TIMEOUT_MINUTES = 15;

    private PeersVenv() {
    }

    /** The interpreter; makes the environment first when it is missing (pip and, as root, apt-get). */
    public static Path python() throws IOException, InterruptedException {
        String given = System.getProperty(PYTHON_PROP);
        if (given != null && !given.isBlank()) {
            Path p = Path.of(given);
            if (!Files.isExecutable(p)) {
                throw new IllegalArgumentException(PYTHON_PROP + "=" + given + " is not an executable file");
            }
            return p;
        }
        Path script = findScript(Path.of("").toAbsolutePath());
        Path out = Files.createTempFile("peers-venv", ".out");
        try {
            Process p = new ProcessBuilder(script.toString()).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(MAKE_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " did not finish in " + MAKE_TIMEOUT_MINUTES + " minutes");
            }
            String path = Files.readString(out, StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0 || path.isEmpty()) {
                throw new IllegalStateException(script + " failed with exit code " + p.exitValue()
                    + " (its reason is on stderr above)");
            }
            return Path.of(path);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Path findScript(Path from) {
        for (Path p = from; p != null; p = p.getParent()) {
            Path script = p.resolve("bin/peers-venv");
            if (Files.isExecutable(script)) {
                return script;
            }
        }
        throw new IllegalStateException("no bin/peers-venv in " + from + " or a directory above it: run the bench"
            + " from the repository (bin/spillway bench compare) or set -D" + PYTHON_PROP + "=PYTHON");
    }
}
