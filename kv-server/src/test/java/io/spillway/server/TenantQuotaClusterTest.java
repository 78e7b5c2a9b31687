package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.ListTenantsReply;
import io.spillway.control.v1.ListTenantsRequest;
import io.spillway.control.v1.TenantInfo;
import io.spillway.key.Namespace;
import io.spillway.server.cluster.ClusterQuotaCommand;
import io.spillway.server.cluster.ClusterTenantsCommand;
import io.spillway.tier.cpu.CpuTier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Tenant quotas are cluster metadata: set on one member, they reach every member through the replicated
 * {@code spillway-tenants} cache, each member enforces its share (quota / members, rounded up), the shares follow
 * the membership, a node that joins later learns the quotas, and each member mirrors them into its data dir.
 */
class TenantQuotaClusterTest {
    /** Below Linux's ephemeral range (32768..60999): no outgoing connection can hold one of these ports. */
    private static final String SEEDS = "127.0.0.1:28900..28903";

    @TempDir
    Path dir;

    private static SpillwayServer node(Path dir, String name) {
        return SpillwayServer.start(TestNode.context(dir.resolve(name)).cpuCapacityBytes(8 << 20)
            .set("spillway.cpu.chunkBytes", "262144").nvmeEnabled(false)
            .cluster("enabled", "true").cluster("nodeName", name).cluster("partitions", "64")
            .cluster("seeds", SEEDS).cluster("discoveryPort", "28900").cluster("discoveryPortRange", "3")
            .cluster("communicationPort", "29000").cluster("communicationPortRange", "3")
            .cluster("failureDetectionTimeoutMs", "2000").build());
    }

    @Test
    void aQuotaSetOnOneMemberIsEnforcedByEveryMemberAsItsShare() throws Exception {
        SpillwayServer a = node(dir, "node-a");
        SpillwayServer b = node(dir, "node-b");
        SpillwayServer c = null;
        try {
            ClusterNodesTest.await(() -> a.cluster().currentMap().nodes().size() == 2
                && b.cluster().currentMap().nodes().size() == 2, "two members");
            b.namespaces().register(Namespace.builder().tenant("team-a").modelId("m").layers(2).kvHeads(2).headDim(64).build());
            String set = cli(out -> new ClusterQuotaCommand(out, out), "--tenant", "team-a", "--cpu", "3000001",
                "--seed", "127.0.0.1:1," + "127.0.0.1:" + a.controlPort());
            assertTrue(set.contains("tenant team-a: CPU quota 3000001 bytes cluster-wide, 1500001 per node now"), set);
            ClusterNodesTest.await(() -> share(b, "team-a") == 1_500_001, "node-b applies half, rounded up");
            assertEquals(1_500_001, share(a, "team-a"));
            assertEquals(1_500_001, info(b, "team-a").getNodeShareBytes(), "ListTenants tells the enforced share");
            assertEquals(1, info(b, "team-a").getNamespaces(), "the namespace registered on b counts for the tenant");

            c = node(dir, "node-c");
            SpillwayServer late = c;
            ClusterNodesTest.await(() -> share(late, "team-a") == 1_000_001 && share(a, "team-a") == 1_000_001
                && share(b, "team-a") == 1_000_001, "a third of the quota on each of three members");
            assertEquals(3_000_001, late.tenants().quota("team-a"), "the late joiner learned the quota");
            String listed = cli(out -> new ClusterTenantsCommand(out, out), "--seed", "127.0.0.1:" + b.controlPort());
            assertTrue(listed.contains("3 of 3 members answered"), listed);
            assertTrue(listed.lines().anyMatch(l -> l.matches("team-a\\s+2\\.9\\s+1\\.0\\s+0\\.0\\s+0\\s+0\\s+1")),
                listed);

            late.close();
            c = null;
            ClusterNodesTest.await(() -> share(a, "team-a") == 1_500_001, "halves again after the leave");
            a.tenants().set("team-a", 0);
            ClusterNodesTest.await(() -> share(b, "team-a") == 0, "a removed quota is removed everywhere");
            assertEquals(0, info(b, "team-a").getNodeShareBytes());
            assertTrue(Files.readString(dir.resolve("node-b").resolve(FileTenantStore.FILE))
                .lines().noneMatch(l -> l.startsWith("team-a=")), "the mirror follows the removal");
        } finally {
            if (c != null) {
                c.close();
            }
            b.close();
            a.close();
        }
    }

    /** Runs a cluster command the way bin/spillway does, returning what it printed; fails on a non-zero exit. */
    private static String cli(Function<PrintStream, Object> command, String... args) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        int code = new CommandLine(command.apply(out)).execute(args);
        String printed = text.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed);
        return printed;
    }

    private static TenantInfo info(SpillwayServer s, String tenant) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.controlPort()).usePlaintext().build();
        try {
            ListTenantsReply r = ControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listTenants(ListTenantsRequest.getDefaultInstance());
            return r.getTenantsList().stream().filter(t -> t.getTenant().equals(tenant)).findFirst()
                .orElse(TenantInfo.getDefaultInstance());
        } finally {
            ch.shutdownNow();
        }
    }

    /** The tenant's share of the CPU tier this member enforces, as its CPU tier holds it (0: no limit). */
    private static long share(SpillwayServer s, String tenant) {
        var usage = ((CpuTier) s.tiers().cpu()).groupUsage().get(tenant);
        return usage == null || !usage.limited() ? 0 : usage.limitBytes();
    }
}
