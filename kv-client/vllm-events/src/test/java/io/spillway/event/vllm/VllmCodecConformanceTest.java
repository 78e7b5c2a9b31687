package io.spillway.event.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Spillway's vLLM codec against vLLM 0.34.0's own (bin/vllm-venv, src/test/python/vllm_kv_events.py): what vLLM's
 * components publish decodes, and what Spillway's encoder writes is what vLLM's decoder reads, field for field.
 */
class VllmCodecConformanceTest {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(3);

    private final VllmEventDecoder decoder = new VllmEventDecoder();

    /** vLLM decodes each batch into its KVEventBatch and encodes it again; reading that back gives the same batch. */
    @Test
    void vllmReadsEveryFieldSpillwayWritesAndWritesItBackTheSame() {
        List<VllmEventBatch> batches = List.of(
            new VllmEventBatch(1_760_000_000.25, List.of(
                new VllmEvent.BlockStored(List.of(EngineBlockHash.ofLong(-2), EngineBlockHash.ofBytes(new byte[32])),
                    EngineBlockHash.ofLong(Long.MAX_VALUE), new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 3, "CPU",
                    "adapter", Arrays.asList(
                        List.of(new VllmExtraKey.Text("adapter"), new VllmExtraKey.Text("salt")),
                        List.of(new VllmExtraKey.Text("adapter"), new VllmExtraKey.Multimodal("img-1", -2),
                            new VllmExtraKey.Binary("00ff"))),
                    0, "full_attention", null, "LOCAL", "kvcr", "session-9", new int[][] {{9}, {10}}),
                new VllmEvent.BlockStored(List.of(EngineBlockHash.ofLong(5)), null, new int[0], 0, null, "STORAGE",
                    null, null, 0, null, null, "REMOTE", null, null, null),
                new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(5)), "STORAGE", 0, "REMOTE", "kvcr"),
                new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofBytes(new byte[] {1, 2})), null, null),
                new VllmEvent.AllBlocksCleared()), 3),
            new VllmEventBatch(2.0, List.of(VllmEvent.BlockStored.of(List.of(EngineBlockHash.ofLong(1)), null,
                new int[] {0, 1}, 2)), 0));
        StringBuilder in = new StringBuilder();
        for (VllmEventBatch b : batches) {
            in.append(HexFormat.of().formatHex(VllmEventEncoder.encode(b, VllmEventEncoder.EventFormat.MAP)))
                .append('\n');
        }

        List<String> reencoded = VllmPython.run(List.of("reencode"), in.toString(), SCRIPT_TIMEOUT);

        assertEquals(batches.size(), reencoded.size(), String.join("\n", reencoded));
        for (int i = 0; i < batches.size(); i++) {
            assertEquals(batches.get(i), decoder.decode(HexFormat.of().parseHex(reencoded.get(i))));
        }
    }

    /**
     * Every payload vLLM's block pool and offloading connector publish in the scenarios decodes, hashes as ints and
     * as bytes; the one event vLLM's struct holds with a token id of -1 is rejected alone.
     */
    @Test
    void everyPayloadVllmPublishesDecodes() {
        for (List<String> args : List.of(List.of("cases"), List.of("cases", "--bytes-hashes"))) {
            List<VllmEvent> events = new ArrayList<>();
            for (String line : VllmPython.run(args, null, SCRIPT_TIMEOUT)) {
                if (line.startsWith("batch\t")) {
                    events.addAll(decoder.decode(HexFormat.of().parseHex(line.substring(6))).events());
                }
            }

            List<VllmEvent> rejected = events.stream().filter(e -> e instanceof VllmEvent.Rejected).toList();
            assertEquals(1, rejected.size(), args + ": " + rejected);
            VllmEvent.Rejected bad = assertInstanceOf(VllmEvent.Rejected.class, rejected.get(0));
            assertEquals(VllmDecodeException.Reason.BAD_VALUE, bad.reason(), bad.message());
            assertTrue(events.stream().anyMatch(e -> e instanceof VllmEvent.BlockStored s && s.blockSize() == 0
                && s.tokenCount() == 0 && "CPU".equals(s.medium())), args + ": no placeholder decoded");
            boolean bytesHashes = args.contains("--bytes-hashes");
            assertTrue(events.stream().filter(e -> e instanceof VllmEvent.BlockStored)
                .flatMap(e -> ((VllmEvent.BlockStored) e).blockHashes().stream())
                .anyMatch(h -> h.isBytes() == bytesHashes), args + ": no hash of the kind asked for");
            assertEquals(0, events.stream().filter(e -> e instanceof VllmEvent.Unknown).count(), args.toString());
        }
    }
}
