package io.spillway.perf;

import io.spillway.config.Sizes;
import io.spillway.perf.launch.RedisServerProcess;
import io.spillway.perf.launch.SpillwayServerProcess;
import io.spillway.perf.launch.TcpSinkProcess;
import io.spillway.perf.adapter.BenchTarget;
import io.spillway.perf.adapter.RedisTarget;
import io.spillway.perf.adapter.SpillwayTarget;
import io.spillway.perf.adapter.TcpTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Makes a {@link BenchTarget}: either attached to a running server, or with a server of its own started first. */
public final class TargetLauncher {
    public static final List<String> KINDS = List.of("spillway", "redis", "tcp");

    private TargetLauncher() {
    }

    /** A target and the server the bench started for it ({@code null} when attached to one already running). */
    public record Started(BenchTarget target, AutoCloseable server) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try {
                target.close();
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
    }

    public static String checkKind(String kind) {
        String k = kind.trim().toLowerCase(Locale.ROOT);
        if (!KINDS.contains(k)) {
            throw new IllegalArgumentException("target must be one of " + KINDS + ", got '" + kind + "'");
        }
        return k;
    }

    /** Starts the target's server as a child process under {@code runDir}. */
    public static Started start(String kind, WorkloadOptions w, Path runDir) throws Exception {
        switch (checkKind(kind)) {
            case "spillway" -> {
                List<String> args = new ArrayList<>(w.serverArgs);
                args.addAll(List.of("--set", "spillway.server.nvmeEnabled=" + w.withNvme()));
                SpillwayServerProcess s = SpillwayServerProcess.start(runDir, Sizes.format(w.cpuCapacityBytes()),
                    w.nvmeCapacity, args, w.serverJvmOptions);
                return new Started(new SpillwayTarget("127.0.0.1", s.dataPort(), s.controlPort(), w.connections), s);
            }
            case "redis" -> {
                RedisServerProcess r = RedisServerProcess.start(runDir, w.cpuCapacityBytes());
                return new Started(new RedisTarget("127.0.0.1", r.port(), w.connections), r);
            }
            default -> {
                TcpSinkProcess t = TcpSinkProcess.start(runDir);
                return new Started(new TcpTarget("127.0.0.1", t.port(), w.connections), t);
            }
        }
    }

    /** Attaches to a server already running at {@code host:port} (Spillway: data port, plus its control port). */
    public static Started attach(String kind, String host, int port, int controlPort, int connections) {
        return switch (checkKind(kind)) {
            case "spillway" -> new Started(new SpillwayTarget(host, port, controlPort, connections), null);
            case "redis" -> new Started(new RedisTarget(host, port, connections), null);
            default -> new Started(new TcpTarget(host, port, connections), null);
        };
    }
}
