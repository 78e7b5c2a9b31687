package io.spillway.perf.cluster;

import io.spillway.client.KvClient;
import io.spillway.key.BlockKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Aggregate throughput by cluster size on real processes: one local cluster per size, all started before any is
 * measured, each driven by its own cluster client with the same verifying mixed load. After one warm-up per cluster,
 * the measured windows go round the clusters in turn ({@code rounds} times, the order rotated each round) so that a
 * drift of the machine hits every size alike. Each window records the cores used by this JVM (the client) and by
 * the measured cluster's nodes, and how busy the whole machine was.
 */
final class ScaleScenario {
    private final ScaleSettings s;
    private final Path runDir;
    private final PrintStream log;

    ScaleScenario(ScaleSettings settings, Path runDir, PrintStream log) {
        this.s = settings;
        this.runDir = runDir;
        this.log = log;
    }

    /** One cluster under test and its client. */
    private static final class Member implements AutoCloseable {
        final LocalCluster cluster;
        final int replication;
        KvClient client;
        VerifyingLoad load;
        final List<ScaleReport.Window> windows = new ArrayList<>();

        Member(LocalCluster cluster, int replication) {
            this.cluster = cluster;
            this.replication = replication;
        }

        @Override
        public void close() {
            if (client != null) {
                client.close();
            }
            cluster.close();
        }
    }

    ScaleReport run() throws IOException, InterruptedException {
        List<Member> members = new ArrayList<>();
        try {
            for (int n : s.nodeCounts()) {
                members.add(start(n));
            }
            for (Member m : members) {
                log.printf("scale: warming up %d node(s) for %d s%n", m.cluster.size(), s.warmupSeconds());
                measure(m, s.warmupSeconds(), -1);
            }
            for (int round = 0; round < s.rounds(); round++) {
                for (int i = 0; i < members.size(); i++) {
                    Member m = members.get((i + round) % members.size());
                    ScaleReport.Window w = measure(m, s.seconds(), round);
                    m.windows.add(w);
                    log.printf("scale: round %d, %d node(s): %.0f blocks/s, %.2f GB/s, client %.2f + nodes %.2f"
                        + " cores, machine %.0f%% busy%n", round + 1, m.cluster.size(), w.blocksPerSec(),
                        w.bytesPerSec() / 1e9, w.clientCores(), w.nodeCores(), 100 * w.machineBusy());
                }
            }
            List<ScaleReport.Size> sizes = new ArrayList<>();
            for (Member m : members) {
                sizes.add(new ScaleReport.Size(m.cluster.size(), m.replication, m.windows, m.load.ackedBlocks(),
                    m.load.verifyAll()));
            }
            return new ScaleReport(s, sizes);
        } finally {
            for (Member m : members) {
                m.close();
            }
        }
    }

    private Member start(int nodes) throws IOException, InterruptedException {
        int r = s.replicationFor(nodes);
        List<String> settings = new ArrayList<>(List.of("spillway.cluster.replication=" + r,
            "spillway.server.ioThreads=1", "spillway.server.maxBlockBytes=" + Math.max(1 << 20, s.blockBytes())));
        settings.addAll(s.nodeSettings());
        Member m = new Member(LocalCluster.start(runDir.resolve(nodes + "-nodes"), nodes, s.cpuCapacity(), settings),
            r);
        try {
            m.cluster.awaitAllMembers();
            m.client = m.cluster.connect();
            BlockKey ns = m.client.registerNamespace(FailoverScenario.NAMESPACE, r).join();
            m.load = new VerifyingLoad(m.client, ns, s.blockBytes(), s.batch(), s.putShare(), s.threads(),
                s.keysPerWorker(), s.seed() + nodes);
            log.printf("scale: %d node(s) up, replication %d%n", nodes, r);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private ScaleReport.Window measure(Member m, int seconds, int round) throws InterruptedException {
        long[] pids = new long[m.cluster.size() + 1];
        pids[0] = ProcessHandle.current().pid();
        for (int i = 0; i < m.cluster.size(); i++) {
            pids[i + 1] = m.cluster.pid(i);
        }
        Timeline t = new Timeline(System.nanoTime(), seconds + 2);
        CpuMeter cpu = CpuMeter.start(pids);
        long wrongBefore = m.load.wrongBlocks();
        m.load.start(t);
        t.sleepUntil(seconds);
        m.load.stop();
        CpuMeter.Reading used = cpu.stop();
        double nodes = used.sum() - (Double.isNaN(used.cores()[0]) ? 0 : used.cores()[0]);
        return new ScaleReport.Window(round, t.mean(0, seconds, Timeline.OPS), t.mean(0, seconds, Timeline.BYTES),
            t.sum(0, seconds + 2, Timeline.GETS_OK), t.sum(0, seconds + 2, Timeline.GETS_FAILED),
            t.sum(0, seconds + 2, Timeline.PUTS_OK), t.sum(0, seconds + 2, Timeline.PUTS_FAILED),
            m.load.wrongBlocks() - wrongBefore, used.cores()[0], nodes, used.busy());
    }
}
