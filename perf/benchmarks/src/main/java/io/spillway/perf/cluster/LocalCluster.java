package io.spillway.perf.cluster;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.perf.launch.FreePorts;
import io.spillway.perf.launch.SpillwayServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Spillway nodes as separate JVMs on 127.0.0.1 forming one Ignite cluster: each has a stable name
 * ({@code node-i}), its own data directory and discovery/communication ports, and every node's discovery port as
 * seeds. A node can be SIGKILLed and started again with the same name and data directory.
 */
public final class LocalCluster implements AutoCloseable {
    private final Path runDir;
    private final String cpuCapacity;
    private final String nvmeCapacity;
    private final List<String> settings;
    private final int[] discoveryPorts;
    private final int[] communicationPorts;
    private final int[] eventsPorts;
    private final SpillwayServerProcess[] nodes;
    private final int[] starts;

    private LocalCluster(Path runDir, int n, String cpuCapacity, String nvmeCapacity, List<String> settings) {
        this.runDir = runDir;
        this.cpuCapacity = cpuCapacity;
        this.nvmeCapacity = nvmeCapacity;
        this.settings = List.copyOf(settings);
        int[] ports = FreePorts.pick(3 * n);
        this.discoveryPorts = new int[n];
        this.communicationPorts = new int[n];
        this.eventsPorts = new int[n];
        for (int i = 0; i < n; i++) {
            discoveryPorts[i] = ports[3 * i];
            communicationPorts[i] = ports[3 * i + 1];
            eventsPorts[i] = ports[3 * i + 2];
        }
        this.nodes = new SpillwayServerProcess[n];
        this.starts = new int[n];
    }

    /** Starts {@code n} nodes (in parallel JVMs) and waits until each is ready; {@code settings} are --set pairs. */
    static LocalCluster start(Path runDir, int n, String cpuCapacity, List<String> settings)
        throws IOException, InterruptedException {
        return start(runDir, n, cpuCapacity, "1g", settings);
    }

    /** As {@link #start(Path, int, String, List)} with NVMe tiers of {@code nvmeCapacity}. */
    public static LocalCluster start(Path runDir, int n, String cpuCapacity, String nvmeCapacity,
                                     List<String> settings) throws IOException, InterruptedException {
        LocalCluster cluster = new LocalCluster(runDir, n, cpuCapacity, nvmeCapacity, settings);
        try {
            for (int i = 0; i < n; i++) {
                cluster.startNode(i);
            }
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public int size() {
        return nodes.length;
    }

    public static String name(int i) {
        return "node-" + i;
    }

    /** Starts node {@code i} (again), same name and data directory; waits until ready. */
    public void startNode(int i) throws IOException, InterruptedException {
        List<String> seeds = new ArrayList<>();
        for (int p : discoveryPorts) {
            seeds.add("127.0.0.1:" + p);
        }
        List<String> args = new ArrayList<>(List.of(
            "--set", "spillway.server.nodeId=" + name(i),
            "--set", "spillway.cluster.enabled=true",
            "--set", "spillway.cluster.nodeName=" + name(i),
            "--set", "spillway.cluster.discoveryPort=" + discoveryPorts[i],
            "--set", "spillway.cluster.communicationPort=" + communicationPorts[i],
            "--set", "spillway.cluster.seeds=" + String.join(",", seeds)));
        for (String s : settings) {
            args.add("--set");
            args.add(s);
        }
        starts[i]++;
        nodes[i] = SpillwayServerProcess.start(runDir.resolve(name(i)), cpuCapacity, nvmeCapacity, args,
            List.of("-Xmx512m", "-XX:+UseSerialGC"), name(i) + "-" + starts[i] + ".log", eventsPorts[i]);
    }

    /** SIGTERM: node {@code i} leaves gracefully (hand-off, the feed's goodbye); waits until it is gone. */
    public void stop(int i) {
        nodes[i].close();
    }

    /** SIGKILLs node {@code i}; returns the exit code. */
    public int kill(int i) throws InterruptedException {
        return nodes[i].process().kill();
    }

    /** Control-plane addresses of all nodes, dead or alive (a client skips the dead). */
    List<String> controlAddresses() {
        List<String> out = new ArrayList<>();
        for (SpillwayServerProcess n : nodes) {
            if (n != null) {
                out.add("127.0.0.1:" + n.controlPort());
            }
        }
        return out;
    }

    /** Node {@code i}'s event-feed address, the same across restarts (docs/events.md). */
    public String eventsAddress(int i) {
        return "127.0.0.1:" + eventsPorts[i];
    }

    /** Node {@code i} as last started. */
    public SpillwayServerProcess node(int i) {
        return nodes[i];
    }

    String controlAddress(int i) {
        return "127.0.0.1:" + nodes[i].controlPort();
    }

    /** Process id of node {@code i} as last started. */
    long pid(int i) {
        return nodes[i].process().pid();
    }

    /** A cluster client seeded with every node's control address. */
    public KvClient connect() {
        return KvClient.connectCluster(ClientContext.builder().seeds(controlAddresses())
            .requestTimeout(Duration.ofSeconds(5)).build());
    }

    /** The partition map as node {@code i} serves it. */
    PartitionMap map(int i) {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", nodes[i].controlPort()).usePlaintext()
            .build();
        try {
            return PartitionMaps.fromProto(ControlGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                .partitionMap(PartitionMapRequest.getDefaultInstance()));
        } finally {
            ch.shutdownNow();
        }
    }

    /** Polls node {@code i}'s map every 50 ms until {@code done} holds; fails after 60 s naming {@code what}. */
    public void awaitMap(int i, Predicate<PartitionMap> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (done.test(map(i))) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the map at " + controlAddress(i) + " never showed " + what
            + (last == null ? "" : " (last error: " + last + ")"));
    }

    /** Waits until node 0's map lists all {@link #size()} nodes. */
    public void awaitAllMembers() throws InterruptedException {
        awaitMap(0, m -> m.nodes().size() == nodes.length, "all " + nodes.length + " members");
    }

    @Override
    public void close() {
        for (SpillwayServerProcess n : nodes) {
            if (n != null) {
                n.close();
            }
        }
    }
}
