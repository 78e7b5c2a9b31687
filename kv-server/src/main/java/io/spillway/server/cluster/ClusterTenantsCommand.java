package io.spillway.server.cluster;

import io.grpc.ChannelCredentials;
import io.grpc.StatusRuntimeException;
import io.spillway.control.v1.ClusterStatusReply;
import io.spillway.control.v1.ClusterStatusRequest;
import io.spillway.control.v1.ListTenantsReply;
import io.spillway.control.v1.ListTenantsRequest;
import io.spillway.control.v1.NodeStatus;
import io.spillway.control.v1.TenantInfo;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bin/spillway cluster tenants}: every tenant with its quota and its use of the CPU tiers, summed over the
 * members (each asked with {@code ListTenants}); a member that does not answer is named and left out of the sums.
 */
@Command(name = "tenants", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Tenants: cluster-wide CPU quota, per-node share, CPU-tier bytes and blocks, quota evictions.")
public final class ClusterTenantsCommand implements Callable<Integer> {
    @Mixin
    SeedOptions target = new SeedOptions();

    private final PrintStream out;
    private final PrintStream err;

    public ClusterTenantsCommand() {
        this(System.out, System.err);
    }

    public ClusterTenantsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A tenant's figures summed over the members that answered. */
    private static final class Sum {
        long quota;
        long share;
        long bytes;
        long blocks;
        long evictions;
        int namespaces;
    }

    @Override
    public Integer call() {
        ChannelCredentials credentials;
        try {
            credentials = target.credentials();
        } catch (IllegalArgumentException e) {
            err.println("spillway cluster tenants: " + e.getMessage());
            return 2;
        }
        ControlCalls.Answer<ClusterStatusReply> status = ControlCalls.first(target.seeds, credentials, target.timeoutMs,
            stub -> stub.clusterStatus(ClusterStatusRequest.getDefaultInstance()));
        if (!status.answered()) {
            err.println("spillway cluster tenants: no seed answered");
            status.failures().forEach(f -> err.println("  " + f));
            return 1;
        }
        Map<String, Sum> sums = new TreeMap<>();
        List<String> missing = new ArrayList<>();
        int answered = 0;
        for (NodeStatus n : status.value().getNodesList()) {
            String address = n.getNode().getHost() + ":" + n.getNode().getControlPort();
            ListTenantsReply reply;
            try {
                reply = ControlCalls.call(address, credentials, target.timeoutMs,
                    stub -> stub.listTenants(ListTenantsRequest.getDefaultInstance()));
            } catch (StatusRuntimeException | IllegalArgumentException e) {
                missing.add(n.getNode().getId() + " (" + address + "): " + e.getMessage());
                continue;
            }
            answered++;
            for (TenantInfo t : reply.getTenantsList()) {
                Sum s = sums.computeIfAbsent(t.getTenant(), k -> new Sum());
                s.quota = Math.max(s.quota, t.getCpuQuotaBytes());
                s.share = Math.max(s.share, t.getNodeShareBytes());
                s.bytes += t.getCpuBytes();
                s.blocks += t.getCpuBlocks();
                s.evictions += t.getQuotaEvictions();
                s.namespaces = Math.max(s.namespaces, t.getNamespaces());
            }
        }
        out.printf("tenants via %s: %d of %d members answered%n", status.seed(), answered,
            status.value().getNodesCount());
        out.printf("%-24s %12s %14s %12s %11s %16s %10s%n", "tenant", "quota MiB", "share MiB/node", "cpu MiB",
            "cpu blocks", "quota evictions", "namespaces");
        sums.forEach((name, s) -> out.printf("%-24s %12s %14s %12.1f %11d %16d %10d%n", name, mib(s.quota),
            mib(s.share), s.bytes / 1048576.0, s.blocks, s.evictions, s.namespaces));
        missing.forEach(m -> out.println("  not answered: " + m));
        return missing.isEmpty() ? 0 : 1;
    }

    private static String mib(long bytes) {
        return bytes == 0 ? "-" : String.format("%.1f", bytes / 1048576.0);
    }
}
