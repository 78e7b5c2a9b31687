package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.ListTenantsReply;
import io.spillway.control.v1.ListTenantsRequest;
import io.spillway.control.v1.SetTenantQuotaReply;
import io.spillway.control.v1.SetTenantQuotaRequest;
import io.spillway.control.v1.TenantInfo;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import io.spillway.tier.cpu.CpuTier;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant quotas on a standalone node with the real CPU and NVMe tiers: a tenant over its quota loses CPU-tier
 * residence of its own oldest blocks (demoted to NVMe, still served), another tenant's blocks stay in memory, the
 * control plane sets and lists quotas and usage, bad requests are refused with a reason, metrics show each tenant,
 * and a quota survives a restart.
 */
class TenantQuotaTest {
    private static final int BLOCK = 64 << 10;
    private static final Namespace A = Namespace.builder().tenant("team-a").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();
    private static final Namespace B = Namespace.builder().tenant("team-b").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();

    @TempDir
    Path dir;

    private SpillwayServer start() {
        SpillwayServer s = SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(16 << 20)
            .set("spillway.cpu.chunkBytes", "262144").nvmeCapacityBytes(64 << 20).build());
        s.namespaces().register(A);
        s.namespaces().register(B);
        return s;
    }

    @Test
    void aTenantOverItsQuotaDemotesItsOwnOldestBlocksAndLeavesOthersInMemory() throws Exception {
        try (SpillwayServer server = start()) {
            ManagedChannel ch = channel(server);
            try {
                ControlGrpc.ControlBlockingStub control = ControlGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.SECONDS);
                SetTenantQuotaReply set = control.setTenantQuota(SetTenantQuotaRequest.newBuilder()
                    .setTenant("team-a").setCpuBytes(1 << 20).build());
                assertEquals(1 << 20, set.getNodeShareBytes(), "one member: the whole quota");

                try (RawClient c = new RawClient(server.dataPort())) {
                    for (int i = 0; i < 40; i++) {
                        put(c, A, i);
                    }
                    for (int i = 100; i < 120; i++) {
                        put(c, B, i);
                    }
                    awaitDemotions(server);
                    // newest first: a read from NVMe promotes the block, evicting team-a's least recently used
                    // CPU block, and those were read already
                    for (int i = 39; i >= 0; i--) {
                        RawClient.Entry e = get(c, A, i);
                        assertEquals(ErrorCode.OK.code(), e.status(), "team-a block " + i + " still served");
                        assertArrayEquals(block(i), e.bytes(), "team-a block " + i);
                        int expected = i >= 24 ? TierKind.CPU.ordinal() : TierKind.NVME.ordinal();
                        assertEquals(expected, e.tier(), "team-a block " + i + ": the 16 newest fill its 1 MiB");
                    }
                    for (int i = 100; i < 120; i++) {
                        RawClient.Entry e = get(c, B, i);
                        assertEquals(TierKind.CPU.ordinal(), e.tier(), "team-b block " + i + " stays in memory");
                        assertArrayEquals(block(i), e.bytes());
                    }
                }

                ListTenantsReply list = control.listTenants(ListTenantsRequest.getDefaultInstance());
                TenantInfo a = tenant(list, "team-a");
                TenantInfo b = tenant(list, "team-b");
                assertEquals(1 << 20, a.getCpuQuotaBytes());
                assertTrue(a.getCpuBytes() <= 1 << 20, "team-a within its share: " + a);
                assertTrue(a.getQuotaEvictions() >= 24, "team-a evicted for its quota: " + a);
                assertEquals(1, a.getNamespaces());
                assertEquals(0, b.getCpuQuotaBytes());
                assertEquals(20L * BLOCK, b.getCpuBytes(), "team-b: all its blocks in memory");
                assertEquals(0, b.getQuotaEvictions());

                String metrics = server.metrics().scrape();
                assertTrue(metrics.contains("spillway_tenant_cpu_share_bytes{tenant=\"team-a\"} 1048576"), metrics);
                assertTrue(metrics.contains("spillway_tenant_cpu_bytes{tenant=\"team-b\"} 1310720"), metrics);
                assertTrue(metrics.contains("spillway_tenant_quota_evictions_total{tenant=\"team-a\"}"), metrics);

                StatusRuntimeException empty = assertThrows(StatusRuntimeException.class,
                    () -> control.setTenantQuota(SetTenantQuotaRequest.newBuilder().setTenant(" ").setCpuBytes(1)
                        .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
                StatusRuntimeException huge = assertThrows(StatusRuntimeException.class,
                    () -> control.setTenantQuota(SetTenantQuotaRequest.newBuilder().setTenant("x").setCpuBytes(-1)
                        .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, huge.getStatus().getCode());
                assertTrue(huge.getStatus().getDescription().contains("18446744073709551615"),
                    huge.getStatus().getDescription());
            } finally {
                ch.shutdownNow();
            }
        }
        try (SpillwayServer again = start()) {
            assertEquals(1 << 20, again.tenants().quota("team-a"), "the quota survives a restart");
            again.tenants().set("team-a", 0);
            assertEquals(0, again.tenants().quota("team-a"), "0 removes it");
        }
        try (SpillwayServer third = start()) {
            assertEquals(0, third.tenants().quota("team-a"), "and the removal is persisted too");
        }
    }

    private static TenantInfo tenant(ListTenantsReply list, String name) {
        return list.getTenantsList().stream().filter(t -> t.getTenant().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError(name + " missing from " + list));
    }

    private static ManagedChannel channel(SpillwayServer s) {
        return NettyChannelBuilder.forAddress("127.0.0.1", s.controlPort()).usePlaintext().build();
    }

    private static void put(RawClient c, Namespace ns, int i) throws Exception {
        c.write(RawClient.putFrame(i, ns.id(), new BlockKey[] {key(i)}, new byte[][] {block(i)}));
        assertEquals(ErrorCode.OK.code(), c.read().putStatuses()[0], "put " + i);
    }

    private static RawClient.Entry get(RawClient c, Namespace ns, int i) throws Exception {
        c.write(RawClient.keysFrame(RawClient.GET, 10_000 + i, ns.id(), key(i)));
        List<RawClient.Entry> entries = c.read().entries();
        return entries.get(0);
    }

    /** Waits until the CPU tier has handed every evicted block to NVMe (a read of one then comes from NVMe). */
    private static void awaitDemotions(SpillwayServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (((CpuTier) server.tiers().cpu()).pendingDemotions() > 0) {
            assertTrue(System.nanoTime() < deadline, "demotions never finished");
            Thread.sleep(10);
        }
    }

    private static BlockKey key(int i) {
        return new BlockKey(0x7e4a47L, i);
    }

    private static byte[] block(int i) {
        byte[] b = new byte[BLOCK];
        new Random(i).nextBytes(b);
        return b;
    }
}
