package io.spillway.server.cluster;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.ManagedChannelBuilder;
import io.spillway.control.v1.ClusterStatusReply;
import io.spillway.control.v1.ClusterStatusRequest;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.NodeStatus;
import io.spillway.control.v1.TierStats;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway cluster status}: asks any member (the first seed that answers) for the cluster's membership
 * and prints nodes, zones, partitions owned, and blocks and bytes per tier per node.
 */
@Command(name = "spillway cluster status", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Nodes, zones, partitions owned, blocks and bytes per tier per node, from any member.")
public final class ClusterStatusCommand implements Callable<Integer> {
    @Option(names = "--seed", paramLabel = "HOST:PORT", split = ",",
        description = "control-plane address of any member (repeatable; default 127.0.0.1:7601)")
    List<String> seeds = new ArrayList<>(List.of("127.0.0.1:7601"));

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "deadline per seed (default 5000)")
    long timeoutMillis = 5_000;

    private final PrintStream out;
    private final PrintStream err;

    public ClusterStatusCommand() {
        this(System.out, System.err);
    }

    public ClusterStatusCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        String[] rest = args;
        if (args.length > 0 && args[0].equals("status")) {
            rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        } else if (args.length == 0 || !args[0].startsWith("-")) {
            System.err.println("usage: bin/spillway cluster status [--seed HOST:PORT] [--timeout-ms MS]");
            System.exit(2);
        }
        System.exit(new CommandLine(new ClusterStatusCommand()).execute(rest));
    }

    @Override
    public Integer call() {
        List<String> failures = new ArrayList<>();
        for (String seed : seeds) {
            try {
                print(fetch(seed), seed);
                return 0;
            } catch (StatusRuntimeException | IllegalArgumentException e) {
                failures.add(seed + ": " + e.getMessage());
            }
        }
        err.println("spillway cluster status: no seed answered");
        failures.forEach(f -> err.println("  " + f));
        return 1;
    }

    private ClusterStatusReply fetch(String seed) {
        int colon = seed.lastIndexOf(':');
        if (colon <= 0 || colon == seed.length() - 1) {
            throw new IllegalArgumentException("seed must be HOST:PORT, got '" + seed + "'");
        }
        int port = Integer.parseInt(seed.substring(colon + 1));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(seed.substring(0, colon), port).usePlaintext()
            .build();
        try {
            return ControlGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .clusterStatus(ClusterStatusRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }

    void print(ClusterStatusReply reply, String seed) {
        long v = reply.getTopologyVersion();
        out.printf("cluster via %s: map version %d (topology %d, metadata epoch %d), %d nodes, %d partitions,"
            + " default replication %d%n", seed, v, v >>> 32, v & 0xFFFF_FFFFL, reply.getNodesCount(),
            reply.getPartitions(), reply.getDefaultReplication());
        out.printf("%-22s %-10s %-21s %7s %7s %10s %10s %10s %10s  %s%n", "node", "zone", "data", "primary",
            "backup", "cpu blks", "cpu MiB", "nvme blks", "nvme MiB", "state");
        for (NodeStatus n : reply.getNodesList()) {
            TierStats cpu = tier(n, "cpu");
            TierStats nvme = tier(n, "nvme");
            out.printf("%-22s %-10s %-21s %7d %7d %10s %10s %10s %10s  %s%n", n.getNode().getId(),
                n.getNode().getZone(), n.getNode().getHost() + ":" + n.getNode().getDataPort(),
                n.getPrimaryPartitions(), n.getBackupPartitions(), blocks(cpu), mib(cpu), blocks(nvme), mib(nvme),
                n.getReachable() ? "up" : "unreachable: " + n.getError());
        }
    }

    private static TierStats tier(NodeStatus n, String name) {
        for (TierStats t : n.getTiersList()) {
            if (t.getTier().equals(name)) {
                return t;
            }
        }
        return null;
    }

    private static String blocks(TierStats t) {
        return t == null ? "-" : Long.toString(t.getBlocks());
    }

    private static String mib(TierStats t) {
        return t == null ? "-" : String.format("%.1f", t.getBytes() / 1048576.0);
    }
}
