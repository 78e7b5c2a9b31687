package io.spillway.perf.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A private {@code redis-server} for the baseline: loopback only, no persistence, on a free port; installed from
 * the distribution's packages when missing ({@code apt-get}, as root). Stopped on close and on JVM exit.
 */
public final class RedisServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> SEARCH_PATH = List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server",
        "/usr/sbin/redis-server");

    private final ChildProcess process;
    private final int port;

    private RedisServerProcess(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts Redis; with {@code maxMemoryBytes > 0} it evicts least-recently-used keys past that size (as a cache
     * whose writes never stop must), else it never evicts.
     */
    public static RedisServerProcess start(Path runDir, long maxMemoryBytes) throws IOException, InterruptedException {
        Path binary = ensureInstalled();
        int port = FreePorts.pick();
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
            "--dir", runDir.toString()));
        if (maxMemoryBytes > 0) {
            cmd.addAll(List.of("--maxmemory", Long.toString(maxMemoryBytes), "--maxmemory-policy", "allkeys-lru"));
        }
        ChildProcess child = ChildProcess.start("redis-server", cmd, runDir.resolve("redis-server.log"));
        try {
            child.awaitReady(START_TIMEOUT, () -> {
                try (Jedis j = new Jedis("127.0.0.1", port, 1000)) {
                    return "PONG".equals(j.ping());
                }
            });
        } catch (RuntimeException | InterruptedException e) {
            child.close();
            throw e;
        }
        return new RedisServerProcess(child, port);
    }

    /** The path of {@code redis-server}, installing the package first when it is not there. */
    public static Path ensureInstalled() throws IOException, InterruptedException {
        Path found = find();
        if (found != null) {
            return found;
        }
        System.err.println("redis-server not found: installing it (apt-get update && apt-get install -y redis-server)");
        run(List.of("apt-get", "update"));
        run(List.of("apt-get", "install", "-y", "--no-install-recommends", "redis-server"));
        found = find();
        if (found == null) {
            throw new IllegalStateException("redis-server still missing after apt-get install; install Redis 7 and"
                + " put redis-server on PATH, or run the bench with --target redis --host H --port P");
        }
        return found;
    }

    private static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) {
                return Path.of(dir, "redis-server");
            }
        }
        for (String p : SEARCH_PATH) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed"
                + (p.isAlive() ? " (timed out)" : " with exit code " + p.exitValue())
                + "; are you root with the package index reachable?");
        }
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.close();
    }
}
