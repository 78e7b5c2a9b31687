package io.spillway.deploy.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network.Ipam;
import com.github.dockerjava.api.model.Volume;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.spillway.client.ClientContext;
import io.spillway.client.ClusterKvClient;
import io.spillway.client.KvClient;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.identity.Role;
import io.spillway.identity.TlsFiles;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.perf.RunDir;
import io.spillway.perf.cluster.Timeline;
import io.spillway.perf.cluster.VerifyingLoad;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startables;

/**
 * Issue 19's container cluster acceptance on the real image: three node containers (one zone each) on a network of
 * the test's own form one Ignite cluster, each listing all three as seeds; the test JVM registers a namespace with
 * replication 2 and runs the failover bench's verifying load (bytes derived from the key, every get compared)
 * through {@link ClusterKvClient}, which learns the members' data addresses from the partition map: the containers'
 * own addresses on the test network, reachable from this host (nothing is published on the host). Then one
 * container gets SIGKILL ({@code docker kill --signal=KILL}) under the load. Asserts: no wrong bytes, every
 * acknowledged block read back (none lost), throughput back; prints the recovery time and the timeline.
 *
 * <p>The nodes run as the chart runs them, in the node's default {@code spillway.security.mode=mtls}: a certificate
 * per node (the node role, its name and its fixed address on the test's network), a join secret, Ignite's discovery
 * and communication over the same TLS, the test's client with a tenant's certificate, and the CLI in a container with
 * an admin's. A plaintext call to a node's control plane fails.
 */
@ExtendWith(ContainerLogsOnFailure.class)
class ClusterContainersIT {
    private static final int NODES = 3;
    private static final int VICTIM = 1; // n2
    private static final int BLOCK_BYTES = 64 << 10;
    private static final int BATCH = 4;
    private static final int THREADS = 2;
    private static final int WARMUP_S = 5;
    private static final int BEFORE_S = 20;
    private static final int AFTER_S = 20;
    private static final double RECOVERED_SHARE = 0.5;
    private static final Namespace NAMESPACE = Namespace.builder().modelId("it/container-failover").layers(32)
        .kvHeads(8).headDim(128).build();

    @Test
    void threeNodeContainersSurviveTheSigkillOfOne() throws Exception {
        ContainerSupport.requireEngineAndImage();
        long testStart = System.nanoTime();
        // a subnet of the test's own, so that each node's certificate can name the address peers and the test dial
        String prefix = "10.231." + (1 + new Random().nextInt(250)) + ".";
        Network network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withIpam(new Ipam()
            .withConfig(new Ipam.Config().withSubnet(prefix + "0/24")))).build();
        Map<String, GenericContainer<?>> nodes = new LinkedHashMap<>();
        RunDir pkiDir = RunDir.create("cluster-it-pki-");
        ContainerPki pki = new ContainerPki(pkiDir.path());
        try {
            List<String> seeds = new ArrayList<>();
            for (int i = 1; i <= NODES; i++) {
                seeds.add("n" + i + ":47500");
            }
            for (int i = 1; i <= NODES; i++) {
                String name = "n" + i;
                String address = prefix + (10 + i);
                pki.node(name, address);
                List<String> args = new ArrayList<>(List.of("node", "--cluster", "--node-name", name,
                    "--zone", "z" + i, "--seeds", String.join(",", seeds), "--cpu-capacity", "256m",
                    "--set", "spillway.cluster.replication=2",
                    "--set", "spillway.cluster.failureDetectionTimeoutMs=3000",
                    "--set", "spillway.server.ioThreads=1",
                    "--set", "spillway.server.maxBlockBytes=" + (1 << 20)));
                args.addAll(ContainerPki.nodeSettings(name));
                // the bind set on the create command itself: Testcontainers' own file binds first run a check
                // container from a public image, which cannot be pulled here
                nodes.put(name, ContainerSupport.node(network, name, args).withCreateContainerCmdModifier(cmd -> {
                    cmd.withIpv4Address(address);
                    HostConfig host = cmd.getHostConfig();
                    Bind pkiBind = new Bind(pki.dir().toString(), new Volume(ContainerPki.MOUNT), AccessMode.ro);
                    if (host != null) {
                        List<Bind> binds = new ArrayList<>();
                        if (host.getBinds() != null) {
                            binds.addAll(List.of(host.getBinds()));
                        }
                        binds.add(pkiBind);
                        host.withBinds(binds);
                    }
                }));
            }
            pki.identity("admin", null, Role.ADMIN);
            TlsFiles tenant = pki.identity("test-client", NAMESPACE.tenant(), Role.CLIENT, Role.ADMIN);
            admin = pki.identity("test-admin", null, Role.ADMIN);
            long startAt = System.nanoTime();
            Startables.deepStart(nodes.values()).join();
            List<String> ips = new ArrayList<>();
            for (GenericContainer<?> c : nodes.values()) {
                String ip = ContainerSupport.ip(c, network);
                ips.add(ip);
                ContainerSupport.awaitOk("http://" + ip + ":7602/ready", Duration.ofSeconds(90), c);
            }
            System.out.printf("cluster-it: 3 node containers ready %.1f s after docker run (%s)%n",
                (System.nanoTime() - startAt) / 1e9, ips);

            // one cluster: every member's map lists the three, and the CLI says so from inside a container
            for (String ip : ips) {
                awaitMap(ip, m -> m.nodes().size() == NODES, "all " + NODES + " members");
            }
            ExecResult status = nodes.get("n1").execInContainer("/opt/spillway/bin/spillway", "cluster", "status",
                "--seed", "n1:7601", "--cert", ContainerPki.MOUNT + "/admin.crt", "--key",
                ContainerPki.MOUNT + "/admin.key", "--trust", ContainerPki.MOUNT + "/ca.crt");
            System.out.println("cluster-it: cluster status (in n1):\n" + status.getStdout());
            assertEquals(0, status.getExitCode(), "cluster status: " + status.getStderr());
            for (int i = 1; i <= NODES; i++) {
                assertTrue(status.getStdout().contains("n" + i), "cluster status lists n" + i);
            }

            ManagedChannel plain = ManagedChannelBuilder.forAddress(ips.get(0), 7601).usePlaintext().build();
            try {
                assertThrows(StatusRuntimeException.class, () -> ControlGrpc.newBlockingStub(plain)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).partitionMap(PartitionMapRequest.getDefaultInstance()),
                    "a plaintext call to an mtls node fails");
            } finally {
                plain.shutdownNow();
            }

            List<String> controls = ips.stream().map(ip -> ip + ":7601").toList();
            try (KvClient client = KvClient.connectCluster(ClientContext.builder().seeds(controls)
                .tls(tenant).requestTimeout(Duration.ofSeconds(5)).build())) {
                BlockKey ns = client.registerNamespace(NAMESPACE, 2).join();
                awaitMap(ips.get(0), m -> m.replication(ns) == 2, "replication 2 for the namespace");
                // the failover bench's sizing: all workers together write half a node's CPU tier
                int keysPerWorker = (int) ((256L << 20) / 2 / BLOCK_BYTES / THREADS);
                VerifyingLoad load = new VerifyingLoad(client, ns, BLOCK_BYTES, BATCH, 0.3, THREADS, keysPerWorker, 42);
                int total = WARMUP_S + BEFORE_S + AFTER_S;
                Timeline t = new Timeline(System.nanoTime(), total + 2);
                load.start(t);
                t.sleepUntil(WARMUP_S + BEFORE_S);

                String victim = "n" + (VICTIM + 1);
                GenericContainer<?> v = nodes.get(victim);
                double killAt = t.secondsAt(System.nanoTime());
                DockerClientFactory.instance().client().killContainerCmd(v.getContainerId()).withSignal("KILL").exec();
                System.out.printf("cluster-it: docker kill --signal=KILL %s at %.1f s%n", victim, killAt);
                awaitMap(ips.get(0), m -> m.nodes().size() == NODES - 1, "the failure of " + victim);
                double detectedAt = t.secondsAt(System.nanoTime());
                System.out.printf("cluster-it: the survivors dropped %s from the map at %.1f s (%.1f s after the kill)%n",
                    victim, detectedAt, detectedAt - killAt);
                t.sleepUntil(total);
                load.stop();
                if (client instanceof ClusterKvClient c) {
                    System.out.println("cluster-it: client " + c.counters());
                }

                StringBuilder line = new StringBuilder("cluster-it: blocks/s ok (failed) per second:");
                for (int s = 0; s < total; s++) {
                    line.append(s == (int) killAt ? " | " : " ").append(t.get(s, Timeline.OPS)).append('(')
                        .append(t.get(s, Timeline.GETS_FAILED) + t.get(s, Timeline.PUTS_FAILED)).append(')');
                }
                System.out.println(line);
                double before = t.mean(WARMUP_S, (int) killAt, Timeline.OPS);
                int recoveredSecond = -1;
                for (int s = (int) Math.ceil(killAt); s + 1 < total; s++) {
                    if (ok(t, s, before) && ok(t, s + 1, before)) {
                        recoveredSecond = s;
                        break;
                    }
                }
                double recovery = recoveredSecond < 0 ? Double.NaN : recoveredSecond - killAt;
                double after = recoveredSecond < 0 ? 0 : t.mean(recoveredSecond, total, Timeline.OPS);
                long failedAround = t.sum((int) killAt, total, Timeline.GETS_FAILED)
                    + t.sum((int) killAt, total, Timeline.PUTS_FAILED);

                long acked = load.ackedBlocks();
                long[] verified = load.verifyAll(); // hits, misses, failed, wrong
                System.out.printf("cluster-it: before the kill %.0f blocks/s; recovered (two seconds with no failed "
                        + "request and at least %.0f%% of that) %.1f s after the kill, then %.0f blocks/s; %d requests' "
                        + "blocks failed after the kill; load wrong blocks %d%n", before, RECOVERED_SHARE * 100,
                    recovery, after, failedAround, load.wrongBlocks());
                System.out.printf("cluster-it: verified %d acknowledged blocks: %d hits, %d misses, %d failed, %d wrong%n",
                    acked, verified[0], verified[1], verified[2], verified[3]);
                System.out.printf("cluster-it: test took %.1f s%n", (System.nanoTime() - testStart) / 1e9);

                assertEquals(0, load.wrongBlocks(), "wrong bytes under load: " + load.wrongExamples());
                assertEquals(0, verified[3], "wrong bytes on read-back: " + load.wrongExamples());
                assertTrue(acked > 0, "blocks acknowledged");
                assertEquals(acked, verified[0], "every acknowledged block read back (misses " + verified[1]
                    + ", failed " + verified[2] + ")");
                assertTrue(recoveredSecond >= 0, "throughput back within " + AFTER_S + " s of the kill");
            }
        } finally {
            ContainerSupport.saveLogsAndClose(getClass().getSimpleName(), nodes, network);
            pkiDir.close(); // the test's keys go with it
        }
    }

    private static boolean ok(Timeline t, int s, double before) {
        return t.get(s, Timeline.GETS_FAILED) + t.get(s, Timeline.PUTS_FAILED) == 0
            && t.get(s, Timeline.OPS) >= RECOVERED_SHARE * before;
    }

    /** The test's admin identity, for the map calls. */
    private static TlsFiles admin;

    private static PartitionMap map(String ip) {
        ChannelCredentials credentials;
        try {
            credentials = TlsChannelCredentials.newBuilder().keyManager(admin.certificate().toFile(),
                admin.privateKey().toFile()).trustManager(admin.trustedCertificates().toFile()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ManagedChannel ch = Grpc.newChannelBuilderForAddress(ip, 7601, credentials).build();
        try {
            return PartitionMaps.fromProto(ControlGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                .partitionMap(PartitionMapRequest.getDefaultInstance()));
        } finally {
            ch.shutdownNow();
        }
    }

    private static void awaitMap(String ip, Predicate<PartitionMap> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (done.test(map(ip))) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the map at " + ip + ":7601 never showed " + what
            + (last == null ? "" : " (last error: " + last + ")"));
    }
}
