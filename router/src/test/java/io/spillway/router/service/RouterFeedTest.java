package io.spillway.router.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.aeron.ExclusivePublication;
import io.aeron.status.LocalSocketAddressStatus;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.PartitionMapReply;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.key.Namespace;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's feed subscriber receives on {@code spillway.router.feedLocalHost}: each node's channel names it as
 * the endpoint, and a real subscription on a non-loopback address of this machine binds its receive socket there
 * and is sent to by a node-like publication.
 */
class RouterFeedTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64).build();

    @TempDir
    Path dir;

    private static RouterContext.Builder context() {
        return RouterContext.builder().host("127.0.0.1").proxyPort(0).extProcPort(-1).httpPort(0).namespace(NS)
            .staticPod("127.0.0.1:1");
    }

    @Test
    void eachNodesChannelReceivesOnTheFeedLocalHost() {
        RouterContext pod = context().feedNode("node-0.node:7602").feedNode("node-1.node:7602")
            .feedLocalHost("10.244.1.17").build();
        assertEquals(List.of(FeedSubscriberContext.nodeChannel("node-0.node:7602", "10.244.1.17"),
            FeedSubscriberContext.nodeChannel("node-1.node:7602", "10.244.1.17")),
            Router.feedContext(pod, dir).channels());
        assertTrue(Router.feedContext(pod, dir).channels().get(0).startsWith("aeron:udp?endpoint=10.244.1.17:0|"),
            Router.feedContext(pod, dir).channels().toString());
        assertEquals(List.of("aeron:udp?endpoint=127.0.0.1:0|control=n:7602|control-mode=dynamic"),
            Router.feedContext(context().feedNode("n:7602").build(), dir).channels(), "today's default");
    }

    @Test
    void theFeedsTlsTakesCertificateKeyAndTrustTogether() {
        assertNull(context().feedNode("n:7602").build().feedTls(), "plaintext by default");
        RouterContext tls = context().feedNode("n:7602")
            .feedTls(Path.of("/r.crt"), Path.of("/r.key"), Path.of("/ca.crt")).build();
        assertEquals(Path.of("/r.crt"), tls.feedTls().certificate());
        assertEquals(Path.of("/ca.crt"), tls.feedTls().trustedCertificates());
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
            () -> context().feedTls(Path.of("/r.crt"), null, Path.of("/ca.crt")).build());
        assertTrue(partial.getMessage().contains(RouterContext.FEED_KEY_FILE_PROP), partial.getMessage());
    }

    @Test
    void aRealSubscriptionBindsTheNonLoopbackAddressAndTheNodeSendsToIt() throws Exception {
        Optional<InetAddress> local = nonLoopbackIpv4();
        assumeTrue(local.isPresent(), "this machine has no non-loopback IPv4 address");
        String address = local.get().getHostAddress();
        int control;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            control = s.getLocalPort();
        }
        // a node's feed publication, as EventsContext lays it out: multi-destination-cast with dynamic control
        try (FeedMedia node = FeedMedia.embedded(FeedMedia.Settings.defaults(dir.resolve("node").toString()));
             ExclusivePublication publication = node.aeron().addExclusivePublication("aeron:udp?control=127.0.0.1:"
                 + control + "|control-mode=dynamic", FeedSubscriberContext.DEFAULT_STREAM_ID);
             Router router = new Router(context().feedNode("127.0.0.1:" + control).feedLocalHost(address).build())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!publication.isConnected() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(publication.isConnected(), "the node's publication reached the router at " + address);
            List<String> bound = receiveSocketAddresses(router.feed().subscriber().media().aeron().countersReader());
            assertEquals(1, bound.size(), bound.toString());
            assertTrue(bound.get(0).startsWith(address + ":"), "the router receives on " + address + ": " + bound);
        }
    }

    @Test
    void withClusterSeedsTheFeedAsksTheSeedsForTheMapThatAdmitsNodes() throws Exception {
        AtomicInteger mapCalls = new AtomicInteger();
        Server control = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new ControlGrpc.ControlImplBase() {
                @Override
                public void partitionMap(PartitionMapRequest r, StreamObserver<PartitionMapReply> out) {
                    mapCalls.incrementAndGet();
                    out.onNext(PartitionMaps.toProto(PartitionMap.single(
                        new NodeInfo("n", "z", "127.0.0.1", 7600, 7601, 7602), 8)));
                    out.onCompleted();
                }
            }).build().start();
        try (Router router = new Router(context().feedNode("127.0.0.1:1").clusterSeed("127.0.0.1:" + control.getPort())
            .build())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (mapCalls.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(mapCalls.get() > 0, "the router's feed fetched the map from its seed");
        } finally {
            control.shutdownNow();
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> context().clusterSeed("node-0:control"));
        assertTrue(bad.getMessage().contains("spillway.router.clusterSeeds"), bad.getMessage());
    }

    /** The addresses the feed's receive sockets are bound to (Aeron's {@code rcv-local-sockaddr} counters). */
    private static List<String> receiveSocketAddresses(CountersReader counters) {
        List<String> out = new ArrayList<>();
        counters.forEach((id, type, key, label) -> {
            if (type == LocalSocketAddressStatus.LOCAL_SOCKET_ADDRESS_STATUS_TYPE_ID
                && label.startsWith("rcv-local-sockaddr")) {
                out.add(label.substring(label.lastIndexOf(' ') + 1));
            }
        });
        return out;
    }

    private static Optional<InetAddress> nonLoopbackIpv4() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }
}
