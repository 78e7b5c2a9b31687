package io.spillway.router.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.event.vllm.VllmEventDecoder;
import io.spillway.event.vllm.VllmPython;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The index against vLLM 0.34.0 itself: kv-client/vllm-events/src/test/python/vllm_kv_events.py plays each case on
 * vLLM's own block pool and offloading connector (a placeholder store in a step with GPU events, the STORAGE medium, a
 * hash cached twice and removed once, a REMOTE tier, two owning tiers, a batch with a bad event, a cleared cache),
 * publishes the batches with vLLM's structs and msgspec encoder, and says after each step what the pod holds in each
 * medium; the index, fed those batches through the decoder and the applier, must agree at every step.
 */
class VllmIndexConformanceTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(1).kvHeads(1).headDim(1)
        .blockSizeTokens(4).build();
    private static final String POD = "10.0.0.7:8000";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int hashes", "bytes hashes"})
    void theIndexHoldsWhatVllmSaysThePodHolds(String hashes) {
        List<String> args = hashes.startsWith("bytes") ? List.of("cases", "--bytes-hashes") : List.of("cases");
        Map<String, List<String>> cases = byCase(VllmPython.run(args, null, Duration.ofMinutes(3)));
        assertEquals(List.of("placeholder", "storage", "reannounced", "remote", "ownership", "bad-event", "cleared"),
            new ArrayList<>(cases.keySet()));

        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            VllmSubscriberCounters counters = play(c.getKey(), c.getValue());
            switch (c.getKey()) {
                case "bad-event" -> assertEquals(1, counters.rejectedEvents(), c.getKey());
                case "remote" -> assertEquals(2, counters.remoteEvents(), c.getKey());
                case "ownership" -> assertEquals(0, counters.unmatchedRemovals(), c.getKey());
                default -> assertEquals(0, counters.rejectedEvents() + counters.unknownAliases()
                    + counters.unknownParents() + counters.unknownMediumEvents(), c.getKey() + ": " + counters);
            }
        }
    }

    /** Applies one case's batches in order to a fresh index, checking each expectation where it stands. */
    private static VllmSubscriberCounters play(String name, List<String> lines) {
        BlockLocationIndex index = new BlockLocationIndex(1 << 12);
        VllmSubscriberCounters counters = new VllmSubscriberCounters();
        VllmEventApplier applier = new VllmEventApplier(index, 1_000, counters,
            new LogOnce(System.getLogger(VllmIndexConformanceTest.class.getName())));
        VllmEventDecoder decoder = new VllmEventDecoder();
        int checks = 0;
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f[0].equals("batch")) {
                applier.apply(POD, NS, decoder.decode(HexFormat.of().parseHex(f[1])));
            } else if (f[0].equals("expect")) {
                int[] tokens = Arrays.stream(f[3].split(",")).mapToInt(Integer::parseInt).toArray();
                BlockKey[] chain = BlockKeys.chain(NS, tokens);
                BlockKey key = chain[chain.length - 1];
                Medium medium = Medium.fromVllm(f[1]);
                boolean held = index.contains(key.hi(), key.lo(), index.location(Location.pod(POD, medium)));
                assertEquals(f[2].equals("1"), held, name + ": " + line + " (" + counters + ")");
                checks++;
            }
        }
        assertTrue(checks > 0, name + " checked nothing");
        return counters;
    }

    private static Map<String, List<String>> byCase(List<String> output) {
        Map<String, List<String>> cases = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : output) {
            if (line.startsWith("case\t")) {
                current = new ArrayList<>();
                cases.put(line.substring(5), current);
            } else if (current != null) {
                current.add(line);
            }
        }
        return cases;
    }
}
