package io.spillway.server.harness;

import io.spillway.event.aeron.StaleDriverDirectories;
import io.spillway.server.events.EventsContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One kv-server in its own JVM on 127.0.0.1: {@code java <launcher flags> -cp <test classpath>
 * io.spillway.server.ServerMain --data-port P --control-port C --http-port H --data-dir DIR ...}, with stdout and
 * stderr appended to {@code node.log} in the node's directory. The ports and the data directory stay the same across
 * {@link #restart()}, so a restarted node is found where it was and reopens its NVMe tier.
 *
 * <p>The child's classpath is the test JVM's runtime classpath: {@code surefire.test.class.path} when the
 * surefire/failsafe booter set it (a forked JVM started from a manifest-only jar has only the booter jar on
 * {@code java.class.path}), otherwise {@code java.class.path}.
 */
public final class NodeProcess {
    /** What {@code bin/spillway} passes every Spillway JVM that a plain kv-server needs. */
    static final String MAIN = "io.spillway.server.ServerMain";
    /** Packages Ignite 2.17 reflects into (DEPENDENCIES.md, the same list as {@code bin/spillway}). */
    private static final List<String> IGNITE_OPENS = List.of("java.base/jdk.internal.access",
        "java.base/jdk.internal.misc", "java.base/sun.nio.ch", "java.base/sun.util.calendar",
        "java.base/sun.reflect.generics.reflectiveObjects", "java.base/java.io", "java.base/java.nio",
        "java.base/java.net", "java.base/java.util", "java.base/java.util.concurrent",
        "java.base/java.util.concurrent.locks", "java.base/java.util.concurrent.atomic", "java.base/java.lang",
        "java.base/java.lang.invoke", "java.base/java.math", "java.base/java.lang.reflect", "java.base/java.time",
        "java.base/java.text", "java.management/com.sun.jmx.mbeanserver", "java.management/sun.management",
        "jdk.internal.jvmstat/sun.jvmstat.monitor", "jdk.management/com.sun.management.internal",
        "java.sql/java.sql", "java.desktop/java.awt.font");
    static final List<String> JVM_FLAGS = jvmFlags();
    static final String READY_LINE = " ready: data=127.0.0.1:";

    private final String name;
    private final Path dir;
    private final int dataPort;
    private final int controlPort;
    private final int httpPort;
    private final List<String> extraArgs;
    private volatile List<String> jvmArgs = List.of();
    private volatile Process process;

    /**
     * @param dir       the node's directory: {@code data/}, {@code tmp/} and {@code node.log} go under it
     * @param extraArgs further ServerMain flags, like {@code --cpu-capacity 8m} or {@code --set key=value}
     */
    public NodeProcess(String name, Path dir, int dataPort, int controlPort, int httpPort, List<String> extraArgs) {
        this.name = name;
        this.dir = dir.toAbsolutePath();
        this.dataPort = dataPort;
        this.controlPort = controlPort;
        this.httpPort = httpPort;
        this.extraArgs = List.copyOf(extraArgs);
    }

    public String name() { return name; }
    public int dataPort() { return dataPort; }
    public int controlPort() { return controlPort; }
    public int httpPort() { return httpPort; }
    public Path dir() { return dir; }
    public Path dataDir() { return dir.resolve("data"); }
    public Path logFile() { return dir.resolve("node.log"); }

    /** JVM options for the next {@link #start()}, after the harness's own (a later {@code -Xmx} wins, for example). */
    public NodeProcess jvmArgs(List<String> options) {
        jvmArgs = List.copyOf(options);
        return this;
    }

    /** Starts the JVM and returns without waiting; see {@link #awaitReady(Duration)}. */
    public synchronized NodeProcess start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        try {
            Files.createDirectories(dataDir());
            Files.createDirectories(dir.resolve("tmp"));
            process = new ProcessBuilder(command()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " in " + dir, e);
        }
        return this;
    }

    List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.add("-Djava.io.tmpdir=" + dir.resolve("tmp"));
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(MAIN);
        cmd.addAll(List.of("--data-port", String.valueOf(dataPort), "--control-port", String.valueOf(controlPort),
            "--http-port", String.valueOf(httpPort), "--bind", "127.0.0.1", "--data-dir", dataDir().toString(),
            "--events-port", "0", "--set", "spillway.server.nodeId=" + name,
            "--set", "spillway.security.mode=none"));
        cmd.addAll(extraArgs);
        return cmd;
    }

    private static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
        for (String open : IGNITE_OPENS) {
            flags.add("--add-opens=" + open + "=ALL-UNNAMED");
        }
        if (Runtime.version().feature() >= 22) {
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return List.copyOf(flags);
    }

    /** The test JVM's runtime classpath (see the class comment for why not just {@code java.class.path}). */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** Polls {@code GET /ready} until it answers 200; fails with the log's tail if the JVM exits or time runs out. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready; log:\n"
                    + log());
            }
            if (ready()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " not ready on http port " + httpPort + " after " + timeout
                    + "; log:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    /** Whether {@code GET http://127.0.0.1:H/ready} answers 200 now. */
    public boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + httpPort + "/ready")
                .openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(1000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL ({@link Process#destroyForcibly()}); waits until the process is gone and returns its exit code. */
    public synchronized int kill() throws InterruptedException {
        requireStarted();
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(10));
    }

    /**
     * SIGTERM ({@link Process#destroy()}): the node's shutdown hook drains and closes gracefully (the NVMe tier
     * flushes). Waits up to {@code timeout} and returns the exit code; past it, SIGKILLs and fails.
     */
    public synchronized int terminate(Duration timeout) throws InterruptedException {
        requireStarted();
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not exit within " + timeout + " of SIGTERM; log:\n" + log());
        }
        return process.exitValue();
    }

    /** Stops the node (SIGTERM, graceful) if it runs and starts it again on the same ports and data directory. */
    public void restart(Duration timeout) throws InterruptedException {
        if (isAlive()) {
            terminate(timeout);
        }
        start().awaitReady(timeout);
    }

    private int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " (pid " + process.pid() + ") still alive after " + timeout);
        }
        return process.exitValue();
    }

    private void requireStarted() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The current (or last) JVM's process id. */
    public synchronized long pid() {
        requireStarted();
        return process.pid();
    }

    /**
     * Removes what a SIGKILL left of this node's event feed: its media driver's directory in {@code /dev/shm} (about
     * 47 MB), which only a graceful stop deletes. Only when the process is gone; a failure is ignored (clean-up).
     */
    public synchronized void reclaimDriverDirectory() {
        if (isAlive()) {
            return;
        }
        Path driver = EventsContext.defaultDriverDirectory(dataDir());
        try {
            StaleDriverDirectories.deleteTree(driver);
        } catch (IOException | UncheckedIOException e) {
            // absent (a graceful stop removed it) or not ours to remove
        }
    }

    /** Best-effort SIGKILL without waiting, for cleanup paths (close, shutdown hook). */
    void destroyQuietly() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    /** The last 60 lines of {@code node.log}, for failure messages. */
    public String log() {
        return log(60);
    }

    public String log(int lines) {
        try {
            if (!Files.exists(logFile())) {
                return "(no log yet)";
            }
            List<String> all = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + "[data=" + dataPort + " control=" + controlPort + " http=" + httpPort + " dir=" + dir + "]";
    }
}
