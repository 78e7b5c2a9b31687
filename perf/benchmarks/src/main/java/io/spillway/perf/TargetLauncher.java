package io.spillway.perf;

import io.spillway.config.Sizes;
import io.spillway.identity.DataPlaneTls;
import io.spillway.perf.launch.MooncakeStoreProcesses;
import io.spillway.perf.launch.RunCertificates;
import io.spillway.perf.launch.RedisServerProcess;
import io.spillway.perf.launch.SpillwayServerProcess;
import io.spillway.perf.launch.TcpSinkProcess;
import io.spillway.perf.adapter.BenchTarget;
import io.spillway.perf.adapter.MooncakeTarget;
import io.spillway.perf.adapter.RedisTarget;
import io.spillway.perf.adapter.SpillwayTarget;
import io.spillway.perf.adapter.TcpTarget;
import io.spillway.perf.peer.PeersVenv;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Makes a {@link BenchTarget}: either attached to a running server, or with a server of its own started first.
 * {@code spillway} is a plaintext node; {@code spillway-tls} the same node with mutual TLS on, its certificates
 * issued into the run directory ({@link RunCertificates}), dialled by a client with the bench tenant's certificate.
 */
public final class TargetLauncher {
    public static final String SPILLWAY = "spillway";
    public static final String SPILLWAY_TLS = "spillway-tls";
    public static final List<String> KINDS = List.of(SPILLWAY, SPILLWAY_TLS, "redis", "tcp", MooncakeTarget.NAME);
    /** The peers: other stores, each driven through its own client ({@link io.spillway.perf.adapter.SelfDrivenTarget}). */
    public static final List<String> PEERS = List.of(MooncakeTarget.NAME);
    /** {@link Started#facts()}: how a peer is driven (its client, version and processes). */
    public static final String DRIVER = "driver";
    /** The largest batch a peer's worker is sized for at start; a larger one makes it grow its buffers. */
    static final int PEER_MAX_BATCH = 32;
    /** {@link Started#facts()}: what the TCP ceiling moves ({@code --tcp-ceiling}). */
    public static final String TCP_CEILING = "ceiling";
    /** {@link Started#facts()}: the node's data-plane TLS provider, as its log names it. */
    public static final String NODE_TLS_PROVIDER = "node_tls_provider";
    /** {@link Started#facts()}: the bench client's data-plane TLS provider. */
    public static final String CLIENT_TLS_PROVIDER = "client_tls_provider";

    private TargetLauncher() {
    }

    /**
     * A target, the server the bench started for it ({@code null} when attached to one already running) and what
     * the report should say about how it ran (e.g. {@link #NODE_TLS_PROVIDER}).
     */
    public record Started(BenchTarget target, AutoCloseable server, Map<String, String> facts)
        implements AutoCloseable {
        public Started {
            facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
        }

        public Started(BenchTarget target, AutoCloseable server) {
            this(target, server, Map.of());
        }

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
            case SPILLWAY -> {
                SpillwayServerProcess s = startNode(w, runDir, List.of());
                return new Started(new SpillwayTarget("127.0.0.1", s.dataPort(), s.controlPort(), w.connections), s);
            }
            case SPILLWAY_TLS -> {
                return startTlsNode(w, runDir);
            }
            case "redis" -> {
                RedisServerProcess r = RedisServerProcess.start(runDir, w.cpuCapacityBytes());
                return new Started(new RedisTarget("127.0.0.1", r.port(), w.connections), r);
            }
            case MooncakeTarget.NAME -> {
                return startMooncake(w, runDir);
            }
            default -> {
                long workingSet = w.tcpWorkingSetBytes();
                TcpSinkProcess t = TcpSinkProcess.start(runDir, workingSet);
                return new Started(new TcpTarget("127.0.0.1", t.port(), w.connections), t, Map.of(TCP_CEILING,
                    workingSet == 0 ? "hot: one reused buffer each way"
                        : "memory: a working set of " + Sizes.format(workingSet)));
            }
        }
    }

    private static SpillwayServerProcess startNode(WorkloadOptions w, Path runDir, List<String> securityArgs)
        throws Exception {
        List<String> args = new ArrayList<>(w.serverArgs);
        args.addAll(List.of("--set", "spillway.server.nvmeEnabled=" + w.withNvme()));
        args.addAll(securityArgs);
        return SpillwayServerProcess.start(runDir, Sizes.format(w.cpuCapacityBytes()), w.nvmeCapacity, args,
            w.serverJvmOptions);
    }

    /**
     * A node with {@code spillway.security.mode=mtls}, and a client with the certificate of the tenant the bench's
     * namespace names. Fails when the node's log does not say it serves TLS, so a ratio is never reported for a
     * node that ran in plaintext.
     */
    private static Started startTlsNode(WorkloadOptions w, Path runDir) throws Exception {
        RunCertificates certs = RunCertificates.issue(runDir.resolve("pki"),
            SpillwayTarget.benchNamespace().tenant());
        SpillwayServerProcess s = startNode(w, runDir, certs.nodeArgs());
        try {
            String nodeProvider = s.dataPlaneTlsProvider().orElseThrow(() -> new IllegalStateException(
                "the " + SPILLWAY_TLS + " node does not log its data-plane TLS provider; log: "
                    + s.process().logTail(20)));
            Map<String, String> facts = new LinkedHashMap<>();
            facts.put(NODE_TLS_PROVIDER, nodeProvider);
            facts.put(CLIENT_TLS_PROVIDER, DataPlaneTls.provider().name());
            return new Started(new SpillwayTarget(SPILLWAY_TLS, "127.0.0.1", s.dataPort(), s.controlPort(),
                w.connections, certs.client()), s, facts);
        } catch (Exception e) {
            s.close();
            throw e;
        }
    }

    /**
     * Mooncake Store (master and one store process holding the CPU-capacity's worth of memory) and its Python
     * client in worker processes, from {@code bin/peers-venv}.
     */
    private static Started startMooncake(WorkloadOptions w, Path runDir) throws Exception {
        Path python = PeersVenv.python();
        Path bin = python.getParent();
        MooncakeStoreProcesses m = MooncakeStoreProcesses.start(bin, runDir, w.cpuCapacityBytes());
        return new Started(new MooncakeTarget(python, runDir, m.masterAddress(), m.metadataUrl(), w.blockBytes(),
            PEER_MAX_BATCH), m);
    }

    /** Attaches to a server already running at {@code host:port} (Spillway: data port, plus its control port). */
    public static Started attach(String kind, String host, int port, int controlPort, int connections) {
        return switch (checkKind(kind)) {
            case SPILLWAY -> new Started(new SpillwayTarget(host, port, controlPort, connections), null);
            case SPILLWAY_TLS -> throw new IllegalArgumentException(SPILLWAY_TLS
                + " issues its certificates when it starts its own node; it cannot attach to a running one");
            case "redis" -> new Started(new RedisTarget(host, port, connections), null);
            case MooncakeTarget.NAME -> throw new IllegalArgumentException(MooncakeTarget.NAME
                + " starts its own master and store process; it cannot attach to a running one");
            default -> new Started(new TcpTarget(host, port, connections), null);
        };
    }
}
