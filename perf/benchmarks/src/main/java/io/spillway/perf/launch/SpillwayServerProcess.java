package io.spillway.perf.launch;

import io.spillway.event.aeron.StaleDriverDirectories;
import io.spillway.config.Sizes;
import io.spillway.server.NodeJvmOptions;
import io.spillway.server.events.EventsContext;
import io.spillway.server.security.SecurityContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spillway node in a child JVM ({@code io.spillway.server.ServerMain}) on free loopback ports, with its data
 * under the run directory, so the bench JVM only runs clients (as it does against Redis). Ready when
 * {@code GET /ready} on its HTTP port answers 200. It serves plaintext ({@code spillway.security.mode=none}, said
 * explicitly so that the bench does not depend on the node's default) unless the caller's arguments choose a mode.
 */
public final class SpillwayServerProcess implements AutoCloseable {
    public static final String MAIN_CLASS = "io.spillway.server.ServerMain";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final long NETWORK_HEADROOM_BYTES = 2L << 30;
    /** The node's start-up line that names its data-plane TLS provider (NodeSecurity). */
    private static final Pattern TLS_PROVIDER = Pattern.compile("data-plane TLS by (\\w+)");

    private final ChildProcess process;
    private final int dataPort;
    private final int controlPort;
    private final int httpPort;
    private final int eventsPort;
    private Path dataDir;

    private SpillwayServerProcess(ChildProcess process, int dataPort, int controlPort, int httpPort, int eventsPort) {
        this.process = process;
        this.dataPort = dataPort;
        this.controlPort = controlPort;
        this.httpPort = httpPort;
        this.eventsPort = eventsPort;
    }

    /**
     * Starts a node with the given tier capacities (sizes as the server parses them, e.g. {@code 4g}); extra
     * server arguments (e.g. {@code --set k=v}) and JVM options are passed through.
     */
    public static SpillwayServerProcess start(Path runDir, String cpuCapacity, String nvmeCapacity,
                                              List<String> extraArgs, List<String> jvmOptions)
        throws IOException, InterruptedException {
        return start(runDir, cpuCapacity, nvmeCapacity, extraArgs, jvmOptions, "spillway-server.log");
    }

    /** As {@link #start(Path, String, String, List, List)}, logging to {@code logName} under {@code runDir}. */
    public static SpillwayServerProcess start(Path runDir, String cpuCapacity, String nvmeCapacity,
                                              List<String> extraArgs, List<String> jvmOptions, String logName)
        throws IOException, InterruptedException {
        return start(runDir, cpuCapacity, nvmeCapacity, extraArgs, jvmOptions, logName, 0);
    }

    /**
     * As {@link #start(Path, String, String, List, List, String)} with the event feed on {@code eventsPort}, so a
     * node started again keeps the address its feed's subscribers send to (0 picks a free port).
     */
    public static SpillwayServerProcess start(Path runDir, String cpuCapacity, String nvmeCapacity,
                                              List<String> extraArgs, List<String> jvmOptions, String logName,
                                              int eventsPort)
        throws IOException, InterruptedException {
        int[] ports = FreePorts.pick(4);
        if (eventsPort > 0) {
            ports[3] = eventsPort;
        }
        List<String> args = new ArrayList<>(List.of(
            "--bind", "127.0.0.1",
            "--data-port", Integer.toString(ports[0]),
            "--control-port", Integer.toString(ports[1]),
            "--http-port", Integer.toString(ports[2]),
            "--events-port", Integer.toString(ports[3]),
            "--data-dir", runDir.resolve("spillway-data").toString(),
            "--cpu-capacity", cpuCapacity,
            "--nvme-capacity", nvmeCapacity));
        args.addAll(withSecurityMode(extraArgs));
        List<String> cmd = JavaCommand.of(MAIN_CLASS, withNodeDefaults(withDirectMemory(jvmOptions, cpuCapacity)),
            args, runDir);
        ChildProcess child = ChildProcess.start("spillway-server", cmd, runDir.resolve(logName));
        SpillwayServerProcess server = new SpillwayServerProcess(child, ports[0], ports[1], ports[2], ports[3]);
        server.dataDir = runDir.resolve("spillway-data");
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[2] + "/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build();
            child.awaitReady(START_TIMEOUT,
                () -> http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** {@code extraArgs}, led by {@code --set spillway.security.mode=none} unless they set a mode themselves. */
    static List<String> withSecurityMode(List<String> extraArgs) {
        String setting = SecurityContext.MODE_PROP + "=";
        if (extraArgs.stream().anyMatch(a -> a.startsWith(setting) || a.startsWith("--set=" + setting))) {
            return extraArgs;
        }
        List<String> out = new ArrayList<>(List.of("--set", setting + "none"));
        out.addAll(extraArgs);
        return out;
    }

    /** Adds what {@code bin/spillway server} would add on this machine (the JIT rule), unless the caller chose. */
    static List<String> withNodeDefaults(List<String> jvmOptions) {
        if (NodeJvmOptions.choosesJit(jvmOptions)) {
            return jvmOptions;
        }
        List<String> out = new ArrayList<>(NodeJvmOptions.forThisMachine());
        out.addAll(jvmOptions);
        return out;
    }

    /**
     * The CPU tier lives in Netty's pooled direct memory, which the JVM caps at -Xmx unless told otherwise: give the
     * node its tier plus room for network buffers, unless the caller set a limit.
     */
    static List<String> withDirectMemory(List<String> jvmOptions, String cpuCapacity) {
        for (String o : jvmOptions) {
            if (o.startsWith("-XX:MaxDirectMemorySize")) {
                return jvmOptions;
            }
        }
        List<String> out = new ArrayList<>(jvmOptions);
        out.add("-XX:MaxDirectMemorySize=" + (Sizes.parse("--cpu-capacity", cpuCapacity) + NETWORK_HEADROOM_BYTES));
        return out;
    }

    public int dataPort() {
        return dataPort;
    }

    public int controlPort() {
        return controlPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The UDP port event-feed subscribers send to (docs/events.md). */
    public int eventsPort() {
        return eventsPort;
    }

    /**
     * The provider of the node's data-plane TLS as its log names it ({@code OPENSSL} or {@code JDK}); empty when the
     * node serves plaintext.
     */
    public Optional<String> dataPlaneTlsProvider() throws IOException {
        Matcher m = TLS_PROVIDER.matcher(new String(Files.readAllBytes(process.log()), StandardCharsets.UTF_8));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The node's media-driver directory (its event feed's, in {@code /dev/shm}). */
    public Path driverDirectory() {
        return EventsContext.defaultDriverDirectory(dataDir);
    }

    public ChildProcess process() {
        return process;
    }

    /**
     * Stops the node (SIGTERM, then SIGKILL after 5 s), then removes what a SIGKILL (here or by a failover bench)
     * left of its event feed: the media driver's directory in {@code /dev/shm}, about 47 MB, which only a graceful
     * stop deletes.
     */
    @Override
    public void close() {
        process.close();
        if (dataDir != null && !process.isAlive()) {
            Path driver = driverDirectory();
            try {
                StaleDriverDirectories.deleteTree(driver);
            } catch (IOException | UncheckedIOException e) {
                // absent: the graceful stop removed it
            }
        }
    }
}
