package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.harness.NodeCluster;
import io.spillway.server.harness.NodeProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 20's acceptance for limits, against a real node process (this JVM holds the clients' ends, the node its
 * own: one JVM could not hold both under {@code ulimit -n} 20000): idle connections, puts that send a large block
 * header and then one byte a second, and one stalled HTTP request. Every one is closed by its timeout (or refused
 * at accept once the node's cap is reached), the node never holds more connections than its cap, the tier bytes
 * reserved for the trickled blocks return to 0, an honest client that connected first sees no BACK_PRESSURE, and
 * {@code /health} and {@code /ready} each answer within 1 s throughout.
 *
 * <p>Scale: the issue's, 10,000 idle connections and 500 trickling puts (about 15 s on 2 cores), unless the
 * process may not open that many files: then both shrink in proportion to fit {@code ulimit -n} and the test says
 * so. {@code -Dstalled.idle} and {@code -Dstalled.trickle} set them by hand.
 */
class StalledClientsIT {
    static final Namespace NAMESPACE = Namespace.builder().modelId("it/stalled").layers(2).kvHeads(2).headDim(64)
        .build();
    static final int IDLE = scaled(Integer.getInteger("stalled.idle", 10_000));
    static final int TRICKLE = scaled(Integer.getInteger("stalled.trickle", 500));
    static final long IDLE_TIMEOUT_MS = 10_000;
    static final long READ_TIMEOUT_MS = 5_000;
    static final long HTTP_READ_TIMEOUT_MS = 2_000;
    /** The node's cap: room for 80 % of the idle connections, every trickler and the honest client. */
    static final int MAX_CONNECTIONS = IDLE * 4 / 5 + TRICKLE + 8;
    /** A trickled block's length: together they take at most half the 256 MiB CPU tier. */
    static final int TRICKLE_BLOCK = Math.min(1 << 20, Integer.highestOneBit((128 << 20) / Math.max(1, TRICKLE)));
    static final long SLACK_MS = 10_000;
    private static volatile boolean running;

    /** {@code n}, or less in proportion when 10,500 connections and 1,000 spare files do not fit the fd limit. */
    static int scaled(int n) {
        long max = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
            ? unix.getMaxFileDescriptorCount() : Long.MAX_VALUE;
        long want = 10_500 + 1_000;
        return max >= want ? n : (int) Math.max(1, n * (max - 1_000) / 10_500);
    }

    /** One client connection and when it was opened and seen closed. */
    static final class Conn {
        final String kind;
        final SocketChannel channel;
        final long openedNanos = System.nanoTime();
        volatile long closedNanos;

        Conn(String kind, SocketChannel channel) {
            this.kind = kind;
            this.channel = channel;
        }

        long lifeMs() {
            return (closedNanos - openedNanos) / 1_000_000;
        }
    }

    /** One selector thread that notices every connection the node closes. */
    static final class Watcher implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final ConcurrentLinkedQueue<Conn> pending = new ConcurrentLinkedQueue<>();
        private final Thread thread = new Thread(this::run, "stalled-watcher");
        private volatile boolean running = true;

        Watcher() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        void watch(Conn c) {
            pending.add(c);
            selector.wakeup();
        }

        private void run() {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            while (running) {
                try {
                    selector.select(100);
                    for (Conn c; (c = pending.poll()) != null; ) {
                        c.channel.configureBlocking(false);
                        c.channel.register(selector, SelectionKey.OP_READ, c);
                    }
                    for (SelectionKey k : selector.selectedKeys()) {
                        Conn c = (Conn) k.attachment();
                        int n;
                        try {
                            sink.clear();
                            n = c.channel.read(sink);
                        } catch (IOException reset) {
                            n = -1;
                        }
                        if (n < 0) {
                            c.closedNanos = System.nanoTime();
                            k.cancel();
                            c.channel.close();
                        }
                    }
                    selector.selectedKeys().clear();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public void close() throws IOException {
            running = false;
            selector.wakeup();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            selector.close();
        }
    }

    private static SocketChannel connect(int port) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.socket().setTcpNoDelay(true);
        return ch;
    }

    /** A fresh HTTP/1.1 GET with {@code Connection: close}: the status line's code, or -1; at most 1 s. */
    static int get(int port, String path, StringBuilder body) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            s.setSoTimeout(1_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (body != null) {
                body.append(text);
            }
            return Integer.parseInt(text.substring(9, 12));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static double metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.eE+-]+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void stalledClientsAreClosedByTheirTimeoutsWhileProbesAndHonestClientsAreServed() throws Exception {
        List<String> args = List.of("--cpu-capacity", "256m", "--nvme-capacity", "256m",
            "--set", "spillway.server.ioThreads=1", "--set", "spillway.server.tierThreads=2",
            "--set", "spillway.server.maxBlockBytes=1m",
            "--set", ServerContext.MAX_CONNECTIONS_PROP + "=" + MAX_CONNECTIONS,
            "--set", ServerContext.MAX_CONNECTIONS_PER_PEER_PROP + "=" + MAX_CONNECTIONS,
            "--set", ServerContext.IDLE_TIMEOUT_MS_PROP + "=" + IDLE_TIMEOUT_MS,
            "--set", ServerContext.REQUEST_READ_TIMEOUT_MS_PROP + "=" + READ_TIMEOUT_MS,
            "--set", ServerContext.HTTP_REQUEST_READ_TIMEOUT_MS_PROP + "=" + HTTP_READ_TIMEOUT_MS);
        try (NodeCluster cluster = NodeCluster.start(1, Path.of("target", "it", "StalledClientsIT"), args);
             Watcher watcher = new Watcher()) {
            NodeProcess node = cluster.node(0);
            List<String> probeFailures = new CopyOnWriteArrayList<>();
            AtomicLong slowestProbeMs = new AtomicLong();
            AtomicLong mostConnections = new AtomicLong();
            AtomicLong mostReserved = new AtomicLong();
            List<String> honestErrors = new CopyOnWriteArrayList<>();
            AtomicLong honestOps = new AtomicLong();
            running = true;

            KvClient honest = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
                .controlPort(node.controlPort()).connections(1).build());
            honest.registerNamespace(NAMESPACE).get(10, TimeUnit.SECONDS);
            Thread honestLoop = daemon("honest", () -> honestClient(honest, honestOps, honestErrors));
            Thread probes = daemon("probes", () -> {
                while (running) {
                    for (String path : List.of("/health", "/ready")) {
                        long t0 = System.nanoTime();
                        int code = get(node.httpPort(), path, null);
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        slowestProbeMs.accumulateAndGet(ms, Math::max);
                        if (code != 200 || ms >= 1_000) {
                            probeFailures.add(path + " answered " + code + " after " + ms + " ms");
                        }
                    }
                    StringBuilder scrape = new StringBuilder();
                    get(node.httpPort(), "/metrics", scrape);
                    double open = metric(scrape.toString(), "spillway_listener_connections{listener=\"data\",}");
                    if (Double.isNaN(open)) {
                        open = metric(scrape.toString(), "spillway_listener_connections{listener=\"data\"}");
                    }
                    mostConnections.accumulateAndGet((long) open, Math::max);
                    mostReserved.accumulateAndGet((long) metric(scrape.toString(), "spillway_put_reserved_bytes"),
                        Math::max);
                    sleep(200);
                }
            });

            Socket stalledHttp = new Socket("127.0.0.1", node.httpPort());
            stalledHttp.getOutputStream().write('G');
            stalledHttp.getOutputStream().flush();
            long httpOpened = System.nanoTime();

            List<Conn> trickle = new ArrayList<>();
            byte[] head = StalledClientsTest.putHead(NAMESPACE.id(), new BlockKey(0x5a, 0), TRICKLE_BLOCK);
            for (int i = 0; i < TRICKLE; i++) {
                SocketChannel ch = connect(node.dataPort());
                ByteBuffer h = ByteBuffer.wrap(head.clone());
                ByteBuffer.wrap(h.array(), 36, 16).putLong(0x5a).putLong(i); // a key of its own
                while (h.hasRemaining()) {
                    ch.write(h);
                }
                Conn c = new Conn("trickle", ch);
                trickle.add(c);
                watcher.watch(c);
            }
            Thread trickler = daemon("trickler", () -> {
                ByteBuffer one = ByteBuffer.allocate(1);
                while (running) {
                    for (Conn c : trickle) {
                        if (c.closedNanos == 0) {
                            try {
                                c.channel.write(one.clear());
                            } catch (IOException closed) {
                                // the watcher sees it
                            }
                        }
                    }
                    sleep(1_000);
                }
            });

            List<Conn> idle = new ArrayList<>();
            for (int i = 0; i < IDLE; i++) {
                Conn c = new Conn("idle", connect(node.dataPort()));
                idle.add(c);
                watcher.watch(c);
            }
            int httpClosedIn;
            stalledHttp.setSoTimeout((int) (HTTP_READ_TIMEOUT_MS + SLACK_MS));
            try {
                while (stalledHttp.getInputStream().read() >= 0) {
                    // a 4xx may come first
                }
            } catch (IOException reset) {
                // closed
            }
            httpClosedIn = (int) ((System.nanoTime() - httpOpened) / 1_000_000);
            stalledHttp.close();

            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDLE_TIMEOUT_MS + 4 * SLACK_MS);
            while (System.nanoTime() < deadline && (idle.stream().anyMatch(c -> c.closedNanos == 0)
                || trickle.stream().anyMatch(c -> c.closedNanos == 0))) {
                Thread.sleep(100);
            }
            Thread.sleep(1_000); // a last round of probes and samples with everything closed
            running = false;
            for (Thread t : List.of(honestLoop, probes, trickler)) {
                t.join(10_000);
            }
            StringBuilder scrape = new StringBuilder();
            assertEquals(200, get(node.httpPort(), "/metrics", scrape));
            String metrics = scrape.toString();
            honest.close();

            assertTrue(httpClosedIn >= HTTP_READ_TIMEOUT_MS && httpClosedIn < HTTP_READ_TIMEOUT_MS + SLACK_MS,
                "the stalled HTTP request was closed after " + httpClosedIn + " ms");
            int refused = 0;
            for (Conn c : idle) {
                assertTrue(c.closedNanos != 0, "an idle connection was never closed");
                if (c.lifeMs() < IDLE_TIMEOUT_MS / 2) {
                    refused++; // closed at accept: the node was at its cap
                } else {
                    assertTrue(c.lifeMs() >= IDLE_TIMEOUT_MS - 100 && c.lifeMs() < IDLE_TIMEOUT_MS + SLACK_MS,
                        "an idle connection closed after " + c.lifeMs() + " ms");
                }
            }
            for (Conn c : trickle) {
                assertTrue(c.closedNanos != 0, "a trickling put was never closed");
                assertTrue(c.lifeMs() >= READ_TIMEOUT_MS - 100 && c.lifeMs() < READ_TIMEOUT_MS + SLACK_MS,
                    "a trickling put closed after " + c.lifeMs() + " ms (refused at accept?)");
            }
            assertTrue(refused > 0, "the cap of " + MAX_CONNECTIONS + " was reached");
            assertEquals(refused, (int) metric(metrics,
                "spillway_listener_refused_total{listener=\"data\",reason=\"node_limit\"}"), metrics);
            assertEquals(IDLE - refused, (int) metric(metrics,
                "spillway_listener_timeouts_total{listener=\"data\",reason=\"idle\"}"));
            assertEquals(TRICKLE, (int) metric(metrics,
                "spillway_listener_timeouts_total{listener=\"data\",reason=\"request_read\"}"));
            assertTrue(metric(metrics, "spillway_listener_connections_peak{listener=\"data\"}") <= MAX_CONNECTIONS);
            assertTrue(mostConnections.get() <= MAX_CONNECTIONS, "sampled " + mostConnections.get());
            assertTrue(mostReserved.get() >= TRICKLE_BLOCK, "the trickled blocks' room was reserved: "
                + mostReserved.get());
            assertEquals(0.0, metric(metrics, "spillway_put_reserved_bytes"), "reservations given back");
            assertEquals(1.0, metric(metrics, "spillway_listener_timeouts_total{listener=\"http\","
                + "reason=\"request_read\"}"));
            assertTrue(probeFailures.isEmpty(), probeFailures.toString());
            assertTrue(honestErrors.isEmpty(), honestErrors.toString());
            assertTrue(honestOps.get() > 10, "honest operations: " + honestOps.get());
            System.out.printf("StalledClientsIT: %d idle (%d refused at the cap of %d), %d trickling puts of %d KiB;"
                    + " slowest probe %d ms; most data connections sampled %d; most reserved %d MiB; %d honest"
                    + " put+get rounds%n", IDLE, refused, MAX_CONNECTIONS, TRICKLE, TRICKLE_BLOCK >> 10,
                slowestProbeMs.get(), mostConnections.get(), mostReserved.get() >> 20, honestOps.get());
        }
    }


    /** Puts 4 blocks of 64 KiB and reads them back every 250 ms; any status but OK is an error. */
    private static void honestClient(KvClient client, AtomicLong ops, List<String> errors) {
        int round = 0;
        while (running) {
            try {
                BlockKey[] keys = new BlockKey[4];
                ByteBuffer[] blocks = new ByteBuffer[4];
                ByteBuffer[] dst = new ByteBuffer[4];
                for (int i = 0; i < 4; i++) {
                    keys[i] = new BlockKey(0x600d, round * 4L + i);
                    blocks[i] = ByteBuffer.allocateDirect(64 << 10).putLong(0, round).putLong(8, i);
                    dst[i] = ByteBuffer.allocateDirect(64 << 10);
                }
                PutResult put = client.put(NAMESPACE.id(), keys, blocks).get(10, TimeUnit.SECONDS);
                for (ErrorCode code : put.statuses()) {
                    if (code != ErrorCode.OK) {
                        errors.add("put round " + round + ": " + code);
                    }
                }
                GetResult got = client.get(NAMESPACE.id(), keys, dst).get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 4; i++) {
                    if (!got.hit(i)) {
                        errors.add("get round " + round + " block " + i + ": miss");
                    }
                }
                ops.incrementAndGet();
            } catch (Exception e) {
                errors.add("round " + round + ": " + e);
            }
            round++;
            sleep(250);
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
