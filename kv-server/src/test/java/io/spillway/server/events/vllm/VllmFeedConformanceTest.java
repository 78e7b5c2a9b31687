package io.spillway.server.events.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.event.vllm.VllmPython;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node's vLLM-format feed, read the way a vLLM consumer reads it: kv-client's vllm_kv_events.py (vLLM 0.34.0's
 * KVEventBatch decoder, pyzmq) subscribes to the node on 127.0.0.1, replays from seq 0 and decodes every batch.
 */
class VllmFeedConformanceTest {
    private static final Namespace NAMESPACE = Namespace.builder().modelId("test/vllm-feed").layers(1).kvHeads(1)
        .headDim(64).build();
    private static final int BLOCKS = 24;

    @TempDir
    Path dir;

    @Test
    void vllmsOwnDecoderReadsEveryBatchTheNodePublishes() throws Exception {
        ServerContext ctx = ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .dataDir(dir.resolve("node")).nodeId("vllm-feed-node").cpuCapacityBytes(8 << 20)
            .nvmeCapacityBytes(8 << 20).maxBlockBytes(64 << 10).ioThreads(1).tierThreads(1).events("port", "0")
            .events("vllm.enabled", "true").events("vllm.endpoint", "tcp://127.0.0.1:*")
            .events("vllm.replayEndpoint", "tcp://127.0.0.1:*").events("vllm.blockSize", "16").build();
        Set<String> put = new HashSet<>();
        List<String> lines;
        String topic;
        try (SpillwayServer server = SpillwayServer.start(ctx);
             KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
                 .controlPort(server.controlPort()).build())) {
            VllmEventPublisher publisher = ((VllmTap) server.feed().tap()).publisher();
            topic = publisher.topic();
            BlockKey ns = client.registerNamespace(NAMESPACE).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < BLOCKS; i++) {
                BlockKey key = new BlockKey(0x5EEDL, i);
                ByteBuffer block = ByteBuffer.allocateDirect(4 << 10);
                block.putLong(0, i).clear();
                var r = client.put(ns, new BlockKey[] {key}, new ByteBuffer[] {block}).get(10, TimeUnit.SECONDS);
                assertEquals(ErrorCode.OK, r.statuses()[0]);
                put.add(key.toHex());
            }

            lines = VllmPython.run(List.of("subscribe", publisher.publishEndpoint(), publisher.replayEndpoint(), "60"),
                String.join("\n", put) + "\n", Duration.ofMinutes(3));
        }

        List<String[]> events = lines.stream().filter(l -> l.startsWith("event\t")).map(l -> l.split("\t", -1))
            .toList();
        assertTrue(lines.contains("replay-end"), String.join("\n", lines));
        assertEquals("AllBlocksCleared", events.get(0)[3], "a session opens with AllBlocksCleared: " + lines.get(0));
        assertEquals("0", events.get(0)[1]);
        Set<String> stored = new HashSet<>();
        for (String[] e : events) {
            assertEquals(topic, e[2], "every batch carries the node's topic");
            if (e[3].equals("BlockStored")) {
                assertEquals("CPU", e[4], String.join("\t", e));
                assertEquals("16", e[5], "block_size as configured");
                assertEquals("0", e[6], "a node sends no token ids");
                stored.addAll(List.of(e[7].split(",")));
            }
        }
        assertEquals(put, stored, "vLLM decoded every stored key as its 16 bytes");
    }
}
