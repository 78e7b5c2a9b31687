package io.spillway.server.cluster;

import io.grpc.ChannelCredentials;
import io.spillway.control.v1.ClusterStatusReply;
import io.spillway.control.v1.ClusterStatusRequest;
import io.spillway.control.v1.NodeStatus;
import io.spillway.control.v1.TierStats;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bin/spillway cluster status}: asks any member (the first seed that answers) for the cluster's membership
 * and prints nodes, zones, partitions owned, and blocks and bytes per tier per node.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Nodes, zones, partitions owned, blocks and bytes per tier per node, from any member.")
public final class ClusterStatusCommand implements Callable<Integer> {
    @Mixin
    SeedOptions target = new SeedOptions();

    private final PrintStream out;
    private final PrintStream err;

    public ClusterStatusCommand() {
        this(System.out, System.err);
    }

    public ClusterStatusCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        ChannelCredentials credentials;
        try {
            credentials = target.credentials();
        } catch (IllegalArgumentException e) {
            err.println("spillway cluster status: " + e.getMessage());
            return 2;
        }
        ControlCalls.Answer<ClusterStatusReply> a = ControlCalls.first(target.seeds, credentials, target.timeoutMs,
            stub -> stub.clusterStatus(ClusterStatusRequest.getDefaultInstance()));
        if (!a.answered()) {
            err.println("spillway cluster status: no seed answered");
            a.failures().forEach(f -> err.println("  " + f));
            return 1;
        }
        print(a.value(), a.seed());
        return 0;
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
