package io.spillway.event;

import io.spillway.tier.TierKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes the seed corpus of {@link EventMessageFuzzTest}: one message of each type as a node's publisher writes it
 * with {@link EventEncoder}. The committed files came from this; run it again after a change to the schema:
 * {@code java -cp <test classpath> io.spillway.event.FeedSeeds kv-client/feed/src/test/resources}.
 */
final class FeedSeeds {
    private static final NodeLoad LOAD = new NodeLoad("node-a", "10.0.0.7", 7601, 100, 12_345, 3, 17, 2, 99,
        List.of(new NodeLoad.TierLoad(TierKind.CPU, 1 << 20, 512, 64L << 30),
            new NodeLoad.TierLoad(TierKind.NVME, 3L << 30, 1536, 1L << 40)));

    private FeedSeeds() {
    }

    static Map<String, byte[]> messages() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("blocks", message(e -> e.header(EventType.BLOCKS, 0xABCDEF01L, 42, 1_700_000_000_123L)
            .beginGroup(BlockOp.STORED, TierKind.CPU, null).key(1, 2).key(-1, Long.MIN_VALUE)
            .beginGroup(BlockOp.MOVED, TierKind.CPU, TierKind.NVME).key(3, 4)
            .beginGroup(BlockOp.REMOVED, TierKind.NVME, null).key(5, 6)));
        seeds.put("heartbeat", message(e -> e.header(EventType.HEARTBEAT, 0xABCDEF01L, 43, 1_700_000_000_456L)
            .status(LOAD)));
        seeds.put("node-joined", message(e -> e.header(EventType.NODE_JOINED, 0x1234L, 1, 1_700_000_000_000L)
            .status(new NodeLoad("n", "h", 0, 50, 0, 0, 0, 0, 0, List.of()))));
        seeds.put("node-left", message(e -> e.header(EventType.NODE_LEFT, 0xABCDEF01L, 44, 1_700_000_000_789L)
            .nodeLeft("node-a")));
        seeds.put("cleared-cpu", message(e -> e.header(EventType.CLEARED, 0xABCDEF01L, 45, 1_700_000_001_000L)
            .cleared(TierKind.CPU)));
        seeds.put("cleared-all", message(e -> e.header(EventType.CLEARED, 0xABCDEF01L, 46, 1_700_000_001_001L)
            .cleared(null)));
        return seeds;
    }

    private static byte[] message(Function<EventEncoder, EventEncoder> body) {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
        int length = body.apply(new EventEncoder().wrap(buffer, 0, 4096)).finish();
        byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0], "io", "spillway", "event", "EventMessageFuzzTestInputs", "decodesFeedMessages");
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : messages().entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }
}
