package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ClusterStatusReply;
import io.spillway.control.v1.ClusterStatusRequest;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.NodeStatus;
import io.spillway.control.v1.TierStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI prints what the ClusterStatus rpc answers, and fails clearly when no seed answers. */
class ClusterStatusCommandTest {

    @Test
    void printsEveryNodeWithZonePartitionsAndTierFigures() throws Exception {
        ClusterStatusReply reply = ClusterStatusReply.newBuilder().setTopologyVersion((7L << 32) | 2).setPartitions(1024)
            .setDefaultReplication(2)
            .addNodes(NodeStatus.newBuilder()
                .setNode(PartitionMaps.toProto(new NodeInfo("node-a", "zone-1", "127.0.0.1", 7600, 7601, 7602)))
                .setPrimaryPartitions(512).setBackupPartitions(512).setReachable(true)
                .addTiers(TierStats.newBuilder().setTier("cpu").setBlocks(10).setBytes(20L << 20))
                .addTiers(TierStats.newBuilder().setTier("nvme").setBlocks(3).setBytes(6L << 20)))
            .addNodes(NodeStatus.newBuilder()
                .setNode(PartitionMaps.toProto(new NodeInfo("node-b", "zone-2", "127.0.0.1", 7610, 7611, 7612)))
                .setPrimaryPartitions(512).setBackupPartitions(512).setReachable(false).setError("DEADLINE"))
            .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new ControlGrpc.ControlImplBase() {
                @Override
                public void clusterStatus(ClusterStatusRequest request, StreamObserver<ClusterStatusReply> obs) {
                    obs.onNext(reply);
                    obs.onCompleted();
                }
            }).build().start();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = new CommandLine(new ClusterStatusCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err)).execute("--seed", "127.0.0.1:1", "--seed", "127.0.0.1:" + server.getPort(),
                "--timeout-ms", "2000");
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, text);
            assertTrue(text.contains("map version 30064771074 (topology 7, metadata epoch 2), 2 nodes, 1024 partitions,"
                + " default replication 2"), text);
            List<String> lines = text.lines().toList();
            assertTrue(lines.get(2).matches("node-a\\s+zone-1\\s+127.0.0.1:7600\\s+512\\s+512\\s+10\\s+20.0\\s+3"
                + "\\s+6.0\\s+up"), lines.get(2));
            assertTrue(lines.get(3).contains("unreachable: DEADLINE"), lines.get(3));
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void noSeedAnsweringIsAClearFailure() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new CommandLine(new ClusterStatusCommand(System.out, new PrintStream(err, true,
            StandardCharsets.UTF_8))).execute("--seed", "127.0.0.1:1", "--seed", "nonsense", "--timeout-ms", "500");
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code);
        assertTrue(text.contains("no seed answered") && text.contains("127.0.0.1:1")
            && text.contains("seed must be HOST:PORT"), text);
    }
}
