package io.spillway.deploy.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network.Ipam;
import com.github.dockerjava.api.model.Volume;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.spillway.client.ClientContext;
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
import io.spillway.perf.history.History;
import io.spillway.perf.history.HistoryChecker;
import io.spillway.perf.history.HistoryVerdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startables;

/**
 * Issue 21's partition acceptance on the real image: three node containers (replication 2, failure detection 3 s)
 * under the failover bench's verifying load with its history recorded; one node ({@value #ISOLATED_NAME}) is cut
 * off from the other two by {@link NetworkFaults} for {@value #PARTITION_S} s while the test JVM still reaches all
 * three, then healed. Asserts: the isolated node answers {@code /ready} 503 (naming why) within failure detection +
 * 1 s of the cut, and the majority stays ready; at least 99% of the gets during the partition are served with the
 * right bytes; within 10 s of the heal the node is back in the majority's map, ready, and both majority members have
 * finished the hand-off to that map; its metrics count one loss of the majority and one rejoin; no wrong bytes,
 * every acknowledged block read back, and the history checker finds the recorded history valid, with the fault
 * window ending at the heal.
 */
@ExtendWith(ContainerLogsOnFailure.class)
class PartitionContainersIT {
    private static final int NODES = 3;
    private static final String ISOLATED_NAME = "n3";
    private static final long FAILURE_DETECTION_MS = 3000;
    private static final int BLOCK_BYTES = 64 << 10;
    private static final int BATCH = 4;
    private static final int THREADS = 2;
    private static final int WARMUP_S = 5;
    private static final int BEFORE_S = 10;
    private static final int PARTITION_S = 30;
    private static final int AFTER_S = 15;
    private static final double SERVED_SHARE = 0.99;
    private static final Namespace NAMESPACE = Namespace.builder().modelId("it/container-partition").layers(32)
        .kvHeads(8).headDim(128).build();

    private static TlsFiles admin;

    @Test
    void aNodeCutOffFromTheMajorityStopsServingAndRejoinsAfterTheHeal() throws Exception {
        ContainerSupport.requireEngineAndImage();
        long testStart = System.nanoTime();
        String prefix = "10.233." + (1 + new Random().nextInt(250)) + ".";
        Network network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withIpam(new Ipam()
            .withConfig(new Ipam.Config().withSubnet(prefix + "0/24")))).build();
        Map<String, GenericContainer<?>> nodes = new LinkedHashMap<>();
        RunDir pkiDir = RunDir.create("partition-it-pki-");
        ContainerPki pki = new ContainerPki(pkiDir.path());
        try {
            List<String> seeds = new ArrayList<>();
            List<String> ips = new ArrayList<>();
            for (int i = 1; i <= NODES; i++) {
                seeds.add("n" + i + ":47500");
                ips.add(prefix + (10 + i));
            }
            for (int i = 1; i <= NODES; i++) {
                String name = "n" + i;
                String address = ips.get(i - 1);
                pki.node(name, address);
                List<String> args = new ArrayList<>(List.of("node", "--cluster", "--node-name", name,
                    "--zone", "z" + i, "--seeds", String.join(",", seeds), "--cpu-capacity", "256m",
                    "--set", "spillway.cluster.replication=2",
                    "--set", "spillway.cluster.failureDetectionTimeoutMs=" + FAILURE_DETECTION_MS,
                    "--set", "spillway.cluster.rejoinBackoffMaxMs=2000",
                    "--set", "spillway.server.ioThreads=1",
                    "--set", "spillway.server.maxBlockBytes=" + (1 << 20)));
                args.addAll(ContainerPki.nodeSettings(name));
                nodes.put(name, NetworkFaults.allowFaults(ContainerSupport.node(network, name, args))
                    .withTmpFs(Map.of("/tmp", "rw,exec,size=256m", "/run", "rw,size=1m"))
                    .withCreateContainerCmdModifier(cmd -> {
                        cmd.withIpv4Address(address);
                        HostConfig host = cmd.getHostConfig();
                        if (host != null) {
                            List<Bind> binds = new ArrayList<>();
                            if (host.getBinds() != null) {
                                binds.addAll(List.of(host.getBinds()));
                            }
                            binds.add(new Bind(pki.dir().toString(), new Volume(ContainerPki.MOUNT), AccessMode.ro));
                            host.withBinds(binds);
                        }
                    }));
            }
            TlsFiles tenant = pki.identity("test-client", NAMESPACE.tenant(), Role.CLIENT, Role.ADMIN);
            admin = pki.identity("test-admin", null, Role.ADMIN);
            Startables.deepStart(nodes.values()).join();
            for (int i = 0; i < NODES; i++) {
                ContainerSupport.awaitOk(ready(ips.get(i)), Duration.ofSeconds(90), nodes.get("n" + (i + 1)));
            }
            for (String ip : ips) {
                awaitMap(ip, m -> m.nodes().size() == NODES, "all " + NODES + " members", Duration.ofSeconds(60));
            }
            String isolatedIp = ips.get(NODES - 1);
            GenericContainer<?> isolated = nodes.get(ISOLATED_NAME);
            List<String> majority = ips.subList(0, NODES - 1);

            List<String> controls = ips.stream().map(ip -> ip + ":7601").toList();
            try (KvClient client = KvClient.connectCluster(ClientContext.builder().seeds(controls)
                .tls(tenant).requestTimeout(Duration.ofSeconds(5)).build())) {
                BlockKey ns = client.registerNamespace(NAMESPACE, 2).join();
                awaitMap(ips.get(0), m -> m.replication(ns) == 2, "replication 2", Duration.ofSeconds(30));
                int keysPerWorker = (int) ((256L << 20) / 2 / BLOCK_BYTES / THREADS);
                VerifyingLoad load = new VerifyingLoad(client, ns, BLOCK_BYTES, BATCH, 0.3, THREADS, keysPerWorker, 42);
                load.recordHistory(600_000);
                int total = WARMUP_S + BEFORE_S + PARTITION_S + AFTER_S;
                Timeline t = new Timeline(System.nanoTime(), total + 2);
                load.start(t);
                t.sleepUntil(WARMUP_S + BEFORE_S);

                // the cut: n3 drops everything to and from n1 and n2; the test host still reaches all three
                long cutAt = System.nanoTime();
                NetworkFaults.cut(isolated, majority);
                long cutDone = System.nanoTime(); // every rule is in place: the partition is whole
                String why = awaitNotReady(isolatedIp, Duration.ofSeconds(20));
                long notReadyAt = System.nanoTime();
                double notReadyS = (notReadyAt - cutDone) / 1e9;
                System.out.printf("partition-it: cut %s off from %s at %.1f s (the exec took %.2f s); rules: %s%n",
                    ISOLATED_NAME, majority, t.secondsAt(cutAt), (cutDone - cutAt) / 1e9, NetworkFaults.rules(isolated));
                System.out.printf("partition-it: %s not ready %.2f s after the cut was complete (%.2f s after the exec "
                    + "started): %s%n", ISOLATED_NAME, notReadyS, (notReadyAt - cutAt) / 1e9, why);
                for (String ip : majority) {
                    assertEquals(200, ContainerSupport.get(ready(ip)).statusCode(), ip + " (majority) stays ready");
                }
                awaitMap(ips.get(0), m -> m.nodes().size() == NODES - 1, "the majority without " + ISOLATED_NAME,
                    Duration.ofSeconds(20));
                // until the heal, the cut-off node must stay out: its Ignite reports its peers failed one by one,
                // and the view in between (itself and one peer) must not bring it back
                int readyDuringPartition = 0;
                int polls = 0;
                long healDue = t.startNanos() + TimeUnit.SECONDS.toNanos(WARMUP_S + BEFORE_S + PARTITION_S);
                while (System.nanoTime() < healDue) {
                    try {
                        polls++;
                        if (ContainerSupport.get(ready(isolatedIp)).statusCode() == 200) {
                            readyDuringPartition++;
                        }
                    } catch (IOException e) {
                        // counted as not ready
                    }
                    Thread.sleep(100);
                }
                System.out.printf("partition-it: %s answered /ready 200 %d times of %d polls until the heal%n",
                    ISOLATED_NAME, readyDuringPartition, polls);
                String isolatedMetrics = ContainerSupport.get(metrics(isolatedIp)).body();

                long healAt = System.nanoTime();
                NetworkFaults.heal(isolated);
                System.out.printf("partition-it: healed at %.1f s (rules left: %s)%n", t.secondsAt(healAt),
                    NetworkFaults.rules(isolated));
                PartitionMap whole = awaitMap(ips.get(0), m -> m.nodes().size() == NODES,
                    ISOLATED_NAME + " back in the majority's map", Duration.ofSeconds(30));
                double inMapS = (System.nanoTime() - healAt) / 1e9;
                ContainerSupport.awaitOk(ready(isolatedIp), Duration.ofSeconds(30), isolated);
                double readyS = (System.nanoTime() - healAt) / 1e9;
                for (String ip : majority) {
                    awaitMetricAtLeast(ip, "spillway_cluster_handoff_completed_version", whole.topologyVersion(),
                        Duration.ofSeconds(30));
                }
                double handoffS = (System.nanoTime() - healAt) / 1e9;
                System.out.printf("partition-it: after the heal: in the map %.2f s, ready %.2f s, hand-off done on "
                    + "the majority %.2f s (map v%d)%n", inMapS, readyS, handoffS, whole.topologyVersion());

                t.sleepUntil(total);
                load.stop();
                int from = (int) Math.ceil(t.secondsAt(cutAt));
                int to = (int) t.secondsAt(healAt);
                long served = t.sum(from, to, Timeline.GETS_OK);
                long failed = t.sum(from, to, Timeline.GETS_FAILED);
                double servedShare = served / (double) Math.max(1, served + failed);
                StringBuilder line = new StringBuilder("partition-it: gets ok (failed) per second:");
                for (int s = 0; s < total; s++) {
                    line.append(s == from || s == to ? " | " : " ").append(t.get(s, Timeline.GETS_OK)).append('(')
                        .append(t.get(s, Timeline.GETS_FAILED)).append(')');
                }
                System.out.println(line);
                long acked = load.ackedBlocks();
                long[] verified = load.verifyAll();
                History history = load.history();
                HistoryVerdict verdict = new HistoryChecker(10).check(history, healAt);
                PrintWriter out = new PrintWriter(System.out, true);
                verdict.print(out);
                String after = ContainerSupport.get(metrics(isolatedIp)).body();
                System.out.printf("partition-it: during the partition %d gets served, %d not (%.3f%%); verified %d "
                        + "acknowledged blocks: %d hits, %d misses, %d failed, %d wrong; %d operations recorded; "
                        + "test took %.1f s%n", served, failed, 100 * servedShare, acked, verified[0], verified[1],
                    verified[2], verified[3], history.size(), (System.nanoTime() - testStart) / 1e9);
                System.out.println("partition-it: " + ISOLATED_NAME + " metrics after the heal: "
                    + metricLines(after, "spillway_cluster_"));

                assertTrue(notReadyS <= FAILURE_DETECTION_MS / 1000.0 + 1, ISOLATED_NAME + " not ready " + notReadyS
                    + " s after the cut (failure detection " + FAILURE_DETECTION_MS + " ms + 1 s)");
                assertTrue(why.contains("majority"), "the 503 names why: " + why);
                assertEquals(0, readyDuringPartition, ISOLATED_NAME + " ready again before the heal");
                assertEquals(0.0, metric(isolatedMetrics, "spillway_cluster_serving"), "not serving while cut off");
                assertTrue(servedShare >= SERVED_SHARE, "gets served during the partition: " + servedShare);
                assertTrue(inMapS <= 10 && readyS <= 10 && handoffS <= 10, "back within 10 s of the heal: in map "
                    + inMapS + " s, ready " + readyS + " s, hand-off " + handoffS + " s");
                assertTrue(metric(after, "spillway_cluster_segmented_total") >= 1, "the loss is counted");
                assertTrue(metric(after, "spillway_cluster_rejoined_total") >= 1, "the rejoin is counted");
                assertTrue(metric(after, "spillway_cluster_not_ready_seconds_total") > 0, "time not ready counted");
                assertEquals(0, load.wrongBlocks(), "wrong bytes under load: " + load.wrongExamples());
                assertEquals(0, verified[3], "wrong bytes on read-back");
                assertTrue(acked > 0, "blocks acknowledged");
                assertEquals(acked, verified[0], "every acknowledged block read back (misses " + verified[1]
                    + ", failed " + verified[2] + ")");
                assertTrue(verdict.valid(), "the history checker finds the history valid");
            }
        } finally {
            ContainerSupport.saveLogsAndClose(getClass().getSimpleName(), nodes, network);
            pkiDir.close();
        }
    }

    private static String ready(String ip) {
        return "http://" + ip + ":7602/ready";
    }

    private static String metrics(String ip) {
        return "http://" + ip + ":7602/metrics";
    }

    /** Polls {@code /ready} every 50 ms until it answers 503; returns the body. */
    private static String awaitNotReady(String ip, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = ContainerSupport.get(ready(ip));
                if (r.statusCode() == 503) {
                    return r.body().strip();
                }
                last = r.statusCode() + " " + r.body().strip();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(ready(ip) + " never answered 503 within " + limit + " (last: " + last + ")");
    }

    private static void awaitMetricAtLeast(String ip, String name, double atLeast, Duration limit)
        throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        double last = Double.NaN;
        while (System.nanoTime() < deadline) {
            try {
                last = metric(ContainerSupport.get(metrics(ip)).body(), name);
                if (last >= atLeast) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " at " + ip + " never reached " + atLeast + " (last " + last + ")");
    }

    /** The value of the metric {@code name} (no labels) in a Prometheus scrape; fails when absent. */
    private static double metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        if (!m.find()) {
            throw new AssertionError("no metric " + name + " in the scrape");
        }
        return Double.parseDouble(m.group(1));
    }

    private static String metricLines(String scrape, String prefix) {
        StringBuilder b = new StringBuilder();
        for (String l : scrape.split("\n")) {
            if (l.startsWith(prefix)) {
                b.append(l).append("; ");
            }
        }
        return b.toString();
    }

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

    private static PartitionMap awaitMap(String ip, Predicate<PartitionMap> done, String what, Duration limit)
        throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                PartitionMap m = map(ip);
                if (done.test(m)) {
                    return m;
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
