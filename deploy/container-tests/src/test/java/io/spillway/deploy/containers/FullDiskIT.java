package io.spillway.deploy.containers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Network.Ipam;
import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * Issue 21's acceptance for a full disk, on the real image: one node container whose data directory (the NVMe tier's
 * RocksDB under it) is a 256 MiB tmpfs. Blocks overflow its 16 MiB CPU tier to NVMe; then a filler file written with
 * {@code dd} inside the container takes every free byte. The node stays ready with a {@code /ready} detail naming the
 * NVMe tier, answers every put (stored in CPU, {@code BACK_PRESSURE} once CPU is full and cannot demote), serves what
 * it acknowledged and counts refused demotions without dropping any. The filler is deleted: NVMe writes resume within
 * 5 s without a restart (the first NVMe put after the delete is timed from {@code /metrics}), and blocks acknowledged
 * during the fault are demoted to NVMe and read back byte-identical from there.
 */
@ExtendWith(ContainerLogsOnFailure.class)
class FullDiskIT {
    private static final String DATA = "/var/lib/spillway/data";
    private static final int BLOCK = 1 << 20;
    private static final double RESUME_LIMIT_S = 5.0;
    private static final Namespace NAMESPACE = Namespace.builder().modelId("it/full-disk").layers(2).kvHeads(2)
        .headDim(64).build();

    @Test
    void aFullDataVolumeDegradesTheNvmeTierAndWritesResumeWhenSpaceIsFreed() throws Exception {
        ContainerSupport.requireEngineAndImage();
        long testStart = System.nanoTime();
        String prefix = "10.234." + (1 + new Random().nextInt(250)) + ".";
        Network network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withIpam(new Ipam()
            .withConfig(new Ipam.Config().withSubnet(prefix + "0/24")))).build();
        Map<String, GenericContainer<?>> containers = new LinkedHashMap<>();
        try {
            GenericContainer<?> node = ContainerSupport.node(network, "disk1", List.of("node", "--cpu-capacity", "16m",
                    "--nvme-capacity", "64m", "--set", "spillway.security.mode=none",
                    "--set", "spillway.server.ioThreads=1", "--set", "spillway.server.maxBlockBytes=" + BLOCK,
                    "--set", "spillway.nvme.healthCheckIntervalMs=250"))
                .withTmpFs(Map.of("/tmp", "rw,exec,size=256m", DATA, "rw,size=256m,uid=10001,gid=10001"));
            containers.put("disk1", node);
            node.start();
            String ip = ContainerSupport.ip(node, network);
            String http = "http://" + ip + ":7602";
            ContainerSupport.awaitOk(http + "/ready", Duration.ofSeconds(90), node);
            assertEquals("ready\n", ContainerSupport.get(http + "/ready").body(), "a healthy node has no detail");

            try (KvClient client = KvClient.connect(ClientContext.builder().server(ip, 7600).controlPort(7601)
                .connections(1).requestTimeout(Duration.ofSeconds(5)).build())) {
                BlockKey ns = client.registerNamespace(NAMESPACE).get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 40; i++) {
                    putRetrying(client, ns, i);
                }
                awaitMetric(http, "spillway_tier_puts_total{tier=\"nvme\"}", v -> v >= 16, Duration.ofSeconds(10));

                ExecResult fill = node.execInContainer("sh", "-c", "dd if=/dev/zero of=" + DATA + "/filler bs=1M "
                    + "2>&1 | tail -1; df -k " + DATA + " | tail -1");
                System.out.println("full-disk-it: filled the data volume: " + fill.getStdout().trim());
                long filledAt = System.nanoTime();
                String detail = awaitReadyBody(http, "degraded: nvme tier degraded", Duration.ofSeconds(5));
                System.out.printf("full-disk-it: /ready 200 after %.2f s: %s", seconds(filledAt), detail);
                assertTrue(detail.startsWith("ready\n"), detail);

                // every put is answered: stored in CPU, or BACK_PRESSURE once CPU is full and cannot demote
                List<Integer> acknowledged = new ArrayList<>();
                int refused = 0;
                for (int i = 100; i < 160; i++) {
                    PutResult r = client.put(ns, new BlockKey[] {key(i)}, new ByteBuffer[] {block(i)})
                        .get(10, TimeUnit.SECONDS);
                    if (r.statuses()[0] == ErrorCode.OK) {
                        acknowledged.add(i);
                    } else {
                        assertEquals(ErrorCode.BACK_PRESSURE, r.statuses()[0], "put " + i + " on a full disk");
                        refused++;
                    }
                }
                Map<String, Double> during = metrics(http);
                System.out.printf("full-disk-it: 60 puts of 1 MiB on the full disk: %d acknowledged, %d BACK_PRESSURE;"
                    + " nvme degraded %.0f, writes refused %.0f, background errors %.0f, cpu demotion failures %.0f, "
                    + "dropped %.0f%n", acknowledged.size(), refused, during.get("spillway_nvme_degraded"),
                    during.get("spillway_nvme_writes_refused_total"), during.get("spillway_nvme_background_errors_total"),
                    during.get("spillway_tier_demotion_failures_total{tier=\"cpu\"}"),
                    during.get("spillway_tier_dropped_total{tier=\"cpu\"}"));
                assertTrue(acknowledged.size() > 0, "the CPU tier took puts");
                assertTrue(refused > 0, "60 MiB of puts overflow a 16 MiB CPU tier that cannot demote");
                assertEquals(1.0, during.get("spillway_nvme_degraded"));
                assertTrue(during.get("spillway_tier_demotion_failures_total{tier=\"cpu\"}") > 0);
                assertEquals(0.0, during.get("spillway_tier_dropped_total{tier=\"cpu\"}"), "no demotion dropped");
                for (int i : acknowledged) {
                    read(client, ns, i);
                }

                double nvmePuts = metrics(http).get("spillway_tier_puts_total{tier=\"nvme\"}");
                ExecResult rm = node.execInContainer("rm", DATA + "/filler");
                assertEquals(0, rm.getExitCode(), rm.getStderr());
                long freedAt = System.nanoTime();
                awaitMetric(http, "spillway_tier_puts_total{tier=\"nvme\"}", v -> v > nvmePuts,
                    Duration.ofSeconds(10));
                double resumed = seconds(freedAt);
                Map<String, Double> after = metrics(http);
                System.out.printf("full-disk-it: filler deleted; first NVMe write %.2f s later (limit %.0f s); "
                        + "degraded %.0f, reopens %.0f, recoveries %.0f%n", resumed, RESUME_LIMIT_S,
                    after.get("spillway_nvme_degraded"), after.get("spillway_nvme_reopens_total"),
                    after.get("spillway_nvme_recoveries_total"));
                assertTrue(resumed <= RESUME_LIMIT_S, "NVMe writes resumed " + resumed + " s after space was freed");
                assertEquals("ready\n", ContainerSupport.get(http + "/ready").body(), "the detail is gone");

                // more puts push the blocks acknowledged during the fault down to NVMe; read them back from there
                for (int i = 200; i < 240; i++) {
                    putRetrying(client, ns, i);
                }
                int fromNvme = 0;
                for (int i : acknowledged) {
                    fromNvme += read(client, ns, i) == TierKind.NVME ? 1 : 0;
                }
                System.out.printf("full-disk-it: %d of %d blocks acknowledged on the full disk read back from NVMe "
                    + "after the recovery; test took %.1f s%n", fromNvme, acknowledged.size(), seconds(testStart));
                assertTrue(fromNvme > 0, "blocks acknowledged during the fault were demoted to NVMe and read back");
            }
        } finally {
            ContainerSupport.saveLogsAndClose(getClass().getSimpleName(), containers, network);
        }
    }

    private static void putRetrying(KvClient client, BlockKey ns, int i) throws Exception {
        for (int attempt = 0; ; attempt++) {
            assertTrue(attempt < 1_000, "back pressure never cleared for block " + i);
            PutResult r = client.put(ns, new BlockKey[] {key(i)}, new ByteBuffer[] {block(i)}).get(10, TimeUnit.SECONDS);
            if (r.statuses()[0] != ErrorCode.BACK_PRESSURE) {
                assertEquals(ErrorCode.OK, r.statuses()[0], "put of block " + i);
                return;
            }
            Thread.sleep(10);
        }
    }

    /** Reads block {@code i}, asserts it present and byte-identical, returns the tier that served it. */
    private static TierKind read(KvClient client, BlockKey ns, int i) throws Exception {
        ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
        GetResult r = client.get(ns, new BlockKey[] {key(i)}, new ByteBuffer[] {dst}).get(10, TimeUnit.SECONDS);
        assertTrue(r.hit(0), "acknowledged block " + i + " served");
        byte[] want = new byte[BLOCK];
        block(i).get(want);
        byte[] got = new byte[dst.remaining()];
        dst.get(got);
        assertArrayEquals(want, got, "bytes of block " + i);
        return r.tiers()[0];
    }

    private static String awaitReadyBody(String http, String needle, Duration limit) throws Exception {
        long start = System.nanoTime();
        String last = "";
        while (System.nanoTime() - start < limit.toNanos()) {
            HttpResponse<String> r = ContainerSupport.get(http + "/ready");
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200 && r.body().contains(needle)) {
                return r.body();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("/ready never said '" + needle + "' within " + limit + " (last: " + last + ")");
    }

    private static void awaitMetric(String http, String series, DoublePredicate ok, Duration limit)
        throws Exception {
        long start = System.nanoTime();
        Double last = null;
        while (System.nanoTime() - start < limit.toNanos()) {
            last = metrics(http).get(series);
            if (last != null && ok.test(last)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(series + " never reached its value within " + limit + " (last: " + last + ")");
    }

    /** The node's /metrics as series (name with labels) to value. */
    private static Map<String, Double> metrics(String http) throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : ContainerSupport.get(http + "/metrics").body().split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0) {
                try {
                    out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                } catch (NumberFormatException e) {
                    // not a sample line
                }
            }
        }
        return out;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static BlockKey key(int i) {
        return new BlockKey(0xF0_11D1_5CL, i);
    }

    private static ByteBuffer block(int i) {
        ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
        SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
        while (b.hasRemaining()) {
            b.putLong(r.nextLong());
        }
        return b.flip();
    }
}
