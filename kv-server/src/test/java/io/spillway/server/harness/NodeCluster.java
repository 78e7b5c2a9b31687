package io.spillway.server.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * N kv-server JVMs on 127.0.0.1, each with its own free ports and its own directory {@code base/node-i}. Closing
 * SIGKILLs every node that still runs, whatever happened before; a JVM shutdown hook does the same if the test JVM
 * exits without closing (a crashed or interrupted run leaves no orphans, short of the test JVM itself being
 * SIGKILLed).
 *
 * <pre>{@code
 * try (NodeCluster cluster = NodeCluster.start(2, Path.of("target/it/my-test"), List.of("--cpu-capacity", "64m"))) {
 *     cluster.node(0).kill();
 *     cluster.node(0).restart(Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class NodeCluster implements AutoCloseable {
    /** Defaults small enough for several nodes on a laptop or a 2-core CI box. */
    public static final List<String> SMALL_NODE = List.of("--cpu-capacity", "64m", "--nvme-capacity", "256m",
        "--set", "spillway.server.ioThreads=1", "--set", "spillway.server.tierThreads=2");
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final List<NodeProcess> nodes;
    private final Thread reaper;
    private final Path base;
    private final List<String> args;
    private final Set<Integer> taken;
    private final List<String> seeds;

    private NodeCluster(List<NodeProcess> nodes) {
        this(nodes, null, List.of(), new HashSet<>(), List.of());
    }

    private NodeCluster(List<NodeProcess> nodes, Path base, List<String> args, Set<Integer> taken,
                        List<String> seeds) {
        this.nodes = new CopyOnWriteArrayList<>(nodes);
        this.base = base;
        this.args = List.copyOf(args);
        this.taken = taken;
        this.seeds = new CopyOnWriteArrayList<>(seeds);
        this.reaper = new Thread(this::destroyAll, "node-cluster-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Wipes {@code base}, starts {@code n} nodes with {@code args} (ServerMain flags after the ports and data dir)
     * and waits until every one answers {@code /ready}; on any failure kills those already started.
     */
    public static NodeCluster start(int n, Path base, List<String> args) throws InterruptedException {
        deleteRecursively(base);
        Set<Integer> taken = new HashSet<>();
        List<NodeProcess> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(new NodeProcess("node-" + i, base.resolve("node-" + i), freePort(taken), freePort(taken),
                freePort(taken), args));
        }
        return startAll(new NodeCluster(nodes));
    }

    /** Starts every node of {@code cluster} and waits until each is ready; on any failure kills them all. */
    private static NodeCluster startAll(NodeCluster cluster) throws InterruptedException {
        try {
            cluster.nodes.forEach(NodeProcess::start);
            for (NodeProcess node : cluster.nodes) {
                node.awaitReady(READY_TIMEOUT);
            }
            return cluster;
        } catch (RuntimeException | Error | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Like {@link #start} but each node is a member of one Ignite cluster (docs/cluster.md): its own discovery and
     * communication ports, the stable name {@code node-i}, every node's discovery port as seeds, and
     * {@code clusterArgs} (e.g. {@code --set spillway.cluster.replication=2}) after {@code args}.
     */
    public static NodeCluster startClustered(int n, Path base, List<String> args) throws InterruptedException {
        deleteRecursively(base);
        Set<Integer> taken = new HashSet<>();
        List<int[]> ports = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < n + 2; i++) { // two spare discovery ports so that later nodes are seeds too
            int discovery = freePort(taken);
            ports.add(new int[] {discovery, freePort(taken)});
            seeds.add("127.0.0.1:" + discovery);
        }
        List<NodeProcess> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(clusteredNode(i, base, args, taken, seeds, ports.get(i)));
        }
        NodeCluster cluster = new NodeCluster(nodes, base, args, taken, seeds);
        cluster.spare.addAll(ports.subList(n, ports.size()));
        return startAll(cluster);
    }

    private final List<int[]> spare = new ArrayList<>();

    private static NodeProcess clusteredNode(int i, Path base, List<String> args, Set<Integer> taken,
                                             List<String> seeds, int[] discoveryAndCommunication) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--set", "spillway.cluster.enabled=true",
            "--set", "spillway.cluster.nodeName=node-" + i,
            "--set", "spillway.cluster.discoveryPort=" + discoveryAndCommunication[0],
            "--set", "spillway.cluster.communicationPort=" + discoveryAndCommunication[1],
            // exactly the ports picked: with Ignite's default ranges of 10 a node's two ranges could overlap each
            // other or its peers' (a clean-clone run failed StaleMapIT with "discovery ports 1913..1923 overlap
            // communication ports 1916..1926"), and only the picked ports were checked free
            "--set", "spillway.cluster.discoveryPortRange=0",
            "--set", "spillway.cluster.communicationPortRange=0",
            "--set", "spillway.cluster.seeds=" + String.join(",", seeds)));
        return new NodeProcess("node-" + i, base.resolve("node-" + i), freePort(taken), freePort(taken),
            freePort(taken), all);
    }

    /** Starts one more member (named {@code node-<size>}) with the cluster's arguments and waits until ready. */
    public NodeProcess addNode() throws InterruptedException {
        if (base == null || spare.isEmpty()) {
            throw new IllegalStateException("not a clustered harness, or no spare discovery port left");
        }
        NodeProcess node = clusteredNode(nodes.size(), base, args, taken, seeds, spare.remove(0));
        nodes.add(node);
        node.start().awaitReady(READY_TIMEOUT);
        return node;
    }

    /** Control-plane addresses ({@code host:port}) of the nodes, for a cluster client's seeds. */
    public List<String> controlAddresses() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.controlPort()).toList();
    }

    public NodeProcess node(int i) {
        return nodes.get(i);
    }

    public List<NodeProcess> nodes() {
        return nodes;
    }

    public int size() {
        return nodes.size();
    }

    /** SIGKILLs every node still running and waits for each to be gone; safe to call twice. */
    @Override
    public void close() {
        destroyAll();
        for (NodeProcess node : nodes) {
            try {
                if (node.isAlive()) {
                    node.kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | AssertionError e) {
                // best effort: the node may never have started
            }
            node.reclaimDriverDirectory(); // a SIGKILLed driver never removes its own
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void destroyAll() {
        nodes.forEach(NodeProcess::destroyQuietly);
    }

    /**
     * A port that was free on 127.0.0.1 a moment ago and is not already handed to another node of this cluster. It
     * lies below the kernel's ephemeral range (32768 up by default), as perf's FreePorts explains: the node binds it
     * seconds later, and an ephemeral port could meanwhile be the local port of any outgoing connection (a node once
     * failed to start that way, and its peers with it).
     */
    public static int freePort(Set<Integer> taken) {
        int low = 32768;
        try {
            low = Math.max(2048, Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .trim().split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            // the default range
        }
        int from = Math.max(1025, low - 12_000);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = from + ThreadLocalRandom.current().nextInt(low - from);
            if (taken.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                taken.add(port);
                return port;
            } catch (IOException busy) {
                // taken: another
            }
        }
        throw new IllegalStateException("no new free port on 127.0.0.1 below " + low + " after 1000 tries");
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }
}
