package io.spillway.perf.failover;

import io.spillway.perf.launch.FreePorts;
import io.spillway.perf.launch.SpillwayServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Spillway nodes as separate JVMs on 127.0.0.1 forming one Ignite cluster: each has a stable name
 * ({@code node-i}), its own data directory and discovery/communication ports, and every node's discovery port as
 * seeds. A node can be SIGKILLed and started again with the same name and data directory.
 */
final class LocalCluster implements AutoCloseable {
    private final Path runDir;
    private final String cpuCapacity;
    private final List<String> settings;
    private final int[] discoveryPorts;
    private final int[] communicationPorts;
    private final SpillwayServerProcess[] nodes;
    private final int[] starts;

    private LocalCluster(Path runDir, int n, String cpuCapacity, List<String> settings) {
        this.runDir = runDir;
        this.cpuCapacity = cpuCapacity;
        this.settings = List.copyOf(settings);
        int[] ports = FreePorts.pick(2 * n);
        this.discoveryPorts = new int[n];
        this.communicationPorts = new int[n];
        for (int i = 0; i < n; i++) {
            discoveryPorts[i] = ports[2 * i];
            communicationPorts[i] = ports[2 * i + 1];
        }
        this.nodes = new SpillwayServerProcess[n];
        this.starts = new int[n];
    }

    /** Starts {@code n} nodes (in parallel JVMs) and waits until each is ready; {@code settings} are --set pairs. */
    static LocalCluster start(Path runDir, int n, String cpuCapacity, List<String> settings)
        throws IOException, InterruptedException {
        LocalCluster cluster = new LocalCluster(runDir, n, cpuCapacity, settings);
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

    int size() {
        return nodes.length;
    }

    static String name(int i) {
        return "node-" + i;
    }

    /** Starts node {@code i} (again), same name and data directory; waits until ready. */
    void startNode(int i) throws IOException, InterruptedException {
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
        nodes[i] = SpillwayServerProcess.start(runDir.resolve(name(i)), cpuCapacity, "1g", args,
            List.of("-Xmx512m", "-XX:+UseSerialGC"), name(i) + "-" + starts[i] + ".log");
    }

    /** SIGKILLs node {@code i}; returns the exit code. */
    int kill(int i) throws InterruptedException {
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

    String controlAddress(int i) {
        return "127.0.0.1:" + nodes[i].controlPort();
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
