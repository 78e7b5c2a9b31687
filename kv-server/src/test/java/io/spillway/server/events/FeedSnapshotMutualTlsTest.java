package io.spillway.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedModel;
import io.spillway.event.feed.FeedSubscriber;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.identity.Role;
import io.spillway.identity.TestCertificates;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router's feed subscriber against a node with {@code spillway.security.mode=mtls}: with a router certificate it
 * loads the node's snapshot over TLS; with a tenant's client certificate the snapshot call is refused and counted,
 * so no tenant learns another's block locations from the control port.
 */
class FeedSnapshotMutualTlsTest {
    private static final Namespace NS = Namespace.builder().tenant("acme").modelId("test/feed-tls").layers(2)
        .kvHeads(2).headDim(64).build();

    @TempDir
    Path dir;

    private static ChannelCredentials credentials(TestCertificates ca, TestCertificates.Issued who)
        throws Exception {
        return TlsChannelCredentials.newBuilder()
            .keyManager(who.cert().toFile(), who.key().toFile()).trustManager(ca.ca().toFile()).build();
    }

    @Test
    void aRouterCertificateLoadsTheSnapshotAndAClientCertificateIsRefused() throws Exception {
        TestCertificates ca = new TestCertificates(dir.resolve("pki"), "spillway");
        TestCertificates.Issued node = ca.identity("node", null, Role.NODE);
        ServerContext ctx = ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .dataDir(dir.resolve("node")).nodeId("tls-node").cpuCapacityBytes(32 << 20).maxBlockBytes(64 << 10).nvmeEnabled(false)
            .ioThreads(1).tierThreads(1).events("port", "0").security("mode", "mtls")
            .security("certFile", node.cert().toString()).security("keyFile", node.key().toString())
            .security("trustFile", ca.ca().toString()).build();
        Set<BlockKey> keys = new HashSet<>();
        try (SpillwayServer server = SpillwayServer.start(ctx);
             KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
                 .controlPort(server.controlPort()).tls(TestCertificates.tls(ca.identity("c", "acme", Role.CLIENT),
                     ca.ca(), Duration.ofSeconds(1))).build())) {
            BlockKey ns = client.registerNamespace(NS).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                BlockKey k = new BlockKey(0x715L, i);
                keys.add(k);
                assertTrue(client.put(ns, new BlockKey[] {k}, new ByteBuffer[] {ByteBuffer.allocate(4096)})
                    .get(10, TimeUnit.SECONDS).allOk());
            }

            FeedModel model = new FeedModel();
            FeedSubscriber router = subscriber(server, dir.resolve("sub-router"), model,
                credentials(ca, ca.identity("router", null, Role.ROUTER)));
            try {
                await(router, "the router's snapshot to load, over TLS", () -> router.snapshots() == 1);
                assertEquals(keys, model.keys("tls-node", TierKind.CPU), "the snapshot holds the node's blocks");
                assertEquals(0, router.snapshotFailures());
            } finally {
                router.close();
            }

            FeedModel refusedModel = new FeedModel();
            FeedSubscriber tenant = subscriber(server, dir.resolve("sub-client"), refusedModel,
                credentials(ca, ca.identity("peeker", "globex", Role.CLIENT)));
            try {
                await(tenant, "the client's snapshot call to be refused",
                    () -> server.metrics().access().deniedCount("globex") > 0 && tenant.snapshotFailures() > 0);
                assertEquals(0, tenant.snapshots(), "no snapshot for a client certificate");
                assertTrue(refusedModel.keys("tls-node", TierKind.CPU).isEmpty(), "nothing of the node's blocks");
            } finally {
                tenant.close();
            }
        }
    }

    private static FeedSubscriber subscriber(SpillwayServer server, Path media, FeedModel model,
                                             ChannelCredentials credentials) {
        return new FeedSubscriber(FeedSubscriberContext.builder().node(server.feed().localAddresses().get(0))
            .media(FeedMedia.Settings.defaults(media.toString())).snapshotCredentials(credentials).build(), model,
            new SystemNanoClock());
    }

    private static void await(FeedSubscriber subscriber, String what, BooleanSupplier done)
        throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            for (int i = 0; i < 100; i++) {
                subscriber.doWork();
            }
            Thread.sleep(1);
        }
    }
}
