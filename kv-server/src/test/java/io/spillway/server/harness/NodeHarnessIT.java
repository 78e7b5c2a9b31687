package io.spillway.server.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two real kv-server JVMs through the harness: each serves its own blocks to the real client; a SIGKILLed node
 * refuses connections while the other keeps serving; a restarted node is ready again on the same ports; blocks on
 * NVMe before a SIGTERM are served again after the restart (only SIGTERM: with the RocksDB WAL off by default a
 * SIGKILL may lose the memtable).
 */
class NodeHarnessIT {
    static final Namespace NAMESPACE = Namespace.builder().modelId("it/harness").layers(2).kvHeads(2).headDim(64)
        .build();
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final int BLOCK = 256 << 10;

    /** A 4 MiB CPU tier so a few dozen 256 KiB blocks overflow to NVMe; no promotion, so a hit stays where it is. */
    static final List<String> ARGS = List.of("--cpu-capacity", "4m", "--nvme-capacity", "256m",
        "--set", "spillway.server.ioThreads=1", "--set", "spillway.server.tierThreads=2",
        "--set", "spillway.server.promoteOnHit=false", "--set", "spillway.server.drainTimeoutMs=5000",
        "--set", "spillway.server.maxBlockBytes=1m");

    @Test
    void nodesServeSurviveAPeersKillAndComeBackAfterRestart() throws Exception {
        try (NodeCluster cluster = NodeCluster.start(2, Path.of("target", "it", "NodeHarnessIT"), ARGS)) {
            NodeProcess n0 = cluster.node(0);
            NodeProcess n1 = cluster.node(1);
            assertNotEquals(n0.pid(), n1.pid());
            assertTrue(n0.log().contains("spillway node node-0" + NodeProcess.READY_LINE + n0.dataPort()), n0.log());

            try (KvClient c0 = connect(n0); KvClient c1 = connect(n1)) {
                putAll(c0, 0, 8);
                putAll(c1, 100, 8);
                assertEquals(8, readAll(c0, 0, 8, null), "node-0 serves its blocks");
                assertEquals(8, readAll(c1, 100, 8, null), "node-1 serves its blocks");
                assertEquals(0, readAll(c0, 100, 8, null), "nodes are independent: node-0 lacks node-1's blocks");
            }

            long oldPid = n1.pid();
            assertEquals(128 + 9, n1.kill(), "SIGKILL exit code");
            assertFalse(n1.isAlive());
            assertThrows(ConnectException.class, () -> probe(n1.dataPort()), "killed node's data port refuses");
            assertFalse(n1.ready(), "killed node's /ready does not answer");
            try (KvClient c0 = connect(n0)) {
                assertEquals(8, readAll(c0, 0, 8, null), "node-0 still serves after node-1 died");
            }

            n1.start().awaitReady(TIMEOUT);
            assertNotEquals(oldPid, n1.pid());
            BitSet onNvme = new BitSet();
            try (KvClient c1 = connect(n1)) {
                putAll(c1, 200, 48);
                assertEquals(48, readAll(c1, 200, 48, onNvme), "restarted node-1 serves new puts");
            }
            assertTrue(onNvme.cardinality() > 0, "some of 12 MiB overflowed a 4 MiB CPU tier to NVMe");

            int exit = n1.terminate(TIMEOUT);
            assertEquals(SIGTERM_EXIT, exit, "SIGTERM exit code; log:\n" + n1.log());
            n1.start().awaitReady(TIMEOUT);
            try (KvClient c1 = connect(n1)) {
                BitSet after = new BitSet();
                readAll(c1, 200, 48, after, true);
                BitSet lost = (BitSet) onNvme.clone();
                lost.andNot(after);
                assertTrue(lost.isEmpty(), "blocks on NVMe before SIGTERM not served after restart: " + lost);
            }
            String log = Files.readString(n1.logFile());
            assertEquals(3, count(log, "spillway node node-1" + NodeProcess.READY_LINE + n1.dataPort()),
                "one ready line per start, same port each time:\n" + log);
        }
    }

    static KvClient connect(NodeProcess node) throws Exception {
        KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
            .controlPort(node.controlPort()).connections(1).build());
        assertEquals(NAMESPACE.id(), client.registerNamespace(NAMESPACE).get(10, TimeUnit.SECONDS));
        return client;
    }

    static void probe(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
    }

    static BlockKey key(int i) {
        return new BlockKey(0x17_0000_0000L, i);
    }

    static ByteBuffer block(int i) {
        ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
        SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
        while (b.hasRemaining()) {
            b.putLong(r.nextLong());
        }
        return b.flip();
    }

    /** Puts blocks {@code from..from+n-1} one batch of 8 at a time, retrying those answered BACK_PRESSURE. */
    static void putAll(KvClient client, int from, int n) throws Exception {
        for (int base = from; base < from + n; base += 8) {
            List<Integer> todo = new ArrayList<>();
            for (int i = base; i < Math.min(base + 8, from + n); i++) {
                todo.add(i);
            }
            for (int attempt = 0; !todo.isEmpty(); attempt++) {
                assertTrue(attempt < 500, "back pressure never cleared");
                BlockKey[] keys = todo.stream().map(NodeHarnessIT::key).toArray(BlockKey[]::new);
                ByteBuffer[] blocks = todo.stream().map(NodeHarnessIT::block).toArray(ByteBuffer[]::new);
                PutResult r = client.put(NAMESPACE.id(), keys, blocks).get(30, TimeUnit.SECONDS);
                List<Integer> again = new ArrayList<>();
                for (int j = 0; j < keys.length; j++) {
                    if (r.statuses()[j] == ErrorCode.BACK_PRESSURE) {
                        again.add(todo.get(j));
                    } else {
                        assertEquals(ErrorCode.OK, r.statuses()[j], "put of block " + todo.get(j));
                    }
                }
                todo = again;
                if (!todo.isEmpty()) {
                    Thread.sleep(5);
                }
            }
        }
    }

    static int readAll(KvClient client, int from, int n, BitSet nvmeHits) throws Exception {
        return readAll(client, from, n, nvmeHits, false);
    }

    /**
     * Reads blocks {@code from..from+n-1}, checks every hit byte-identical, marks NVMe hits (or every hit when
     * {@code markAll}) in {@code hits} and returns the number of hits.
     */
    static int readAll(KvClient client, int from, int n, BitSet hits, boolean markAll) throws Exception {
        int found = 0;
        for (int i = from; i < from + n; i++) {
            ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
            GetResult r = client.get(NAMESPACE.id(), new BlockKey[] {key(i)}, new ByteBuffer[] {dst})
                .get(30, TimeUnit.SECONDS);
            if (!r.hit(0)) {
                continue;
            }
            found++;
            byte[] want = new byte[BLOCK];
            block(i).get(want);
            byte[] got = new byte[dst.remaining()];
            dst.get(got);
            assertArrayEquals(want, got, "bytes of block " + i);
            if (hits != null && (markAll || r.tiers()[0] == TierKind.NVME)) {
                hits.set(i);
            }
        }
        return found;
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    /**
     * What a node exits with on SIGTERM: 128 + 15, not 0. The JVM's signal handler calls {@code exit(143)} and runs
     * the shutdown hooks (the graceful close); {@code ServerMain.call()} then returns 0, but its
     * {@code System.exit(0)} blocks behind the exit already in progress, so 143 wins.
     */
    static final int SIGTERM_EXIT = 128 + 15;
}
