package io.spillway.router.extproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway's hints and reports: subset hints matched by host as the reference picker matches them, the served
 * endpoint moving the speculative entries, and objectives' priorities deciding who is shed.
 */
class GatewayHintsTest {
    private static final List<Pod> PODS = List.of(Pod.idle("10.0.0.1:8000", PodRole.BOTH),
        Pod.idle("10.0.0.1:8001", PodRole.BOTH), Pod.idle("10.0.0.2:8000", PodRole.BOTH),
        Pod.idle("fd00::7:8000", PodRole.BOTH));

    private static Metadata hint(Value v) {
        return Metadata.newBuilder().putFilterMetadata(EndpointPicker.SUBSET_NAMESPACE, Struct.newBuilder()
            .putFields(EndpointPicker.SUBSET_KEY, v).build()).build();
    }

    private static Value list(String... entries) {
        ListValue.Builder l = ListValue.newBuilder();
        for (String e : entries) {
            l.addValues(Value.newBuilder().setStringValue(e));
        }
        return Value.newBuilder().setListValue(l).build();
    }

    private static FakeEnvoy.Result send(PickerFixture f, Metadata hint, Map<String, String> extra, String served)
        throws InterruptedException {
        Map<String, String> headers = new HashMap<>(EnvoyRulesTest.POST);
        headers.putAll(extra);
        return new FakeEnvoy(f.channel, FakeEnvoy.Mode.FULL_DUPLEX, true).send(headers,
            EnvoyRulesTest.completion(EnvoyRulesTest.PROMPT, 0), 1, false, hint, served, "{}".getBytes());
    }

    @Test
    void subsetHintsMatchByHostAsTheReferencePickerDoes() throws Exception {
        try (PickerFixture f = new PickerFixture(PODS, 1 << 20, 0, Objectives.none())) {
            Map<Metadata, List<String>> cases = Map.of(
                hint(list("10.0.0.1")), List.of("10.0.0.1:8000", "10.0.0.1:8001"), // host-only: every target port
                hint(list("10.0.0.2:9999")), List.of("10.0.0.2:8000"), // another port: the host counts
                hint(list("10.0.0.2:8000,[fd00:0::7]:8000")), List.of("10.0.0.2:8000", "[fd00::7]:8000"),
                hint(Value.newBuilder().setStringValue("fd00::7").build()), List.of("[fd00::7]:8000"));
            for (var c : cases.entrySet()) {
                for (int i = 0; i < 4; i++) {
                    FakeEnvoy.Result r = send(f, c.getKey(), Map.of(), null);
                    assertEquals(List.of(), r.violations);
                    for (String d : r.destination().split(",")) {
                        assertTrue(c.getValue().contains(d), d + " outside " + c.getValue());
                    }
                }
            }
            FakeEnvoy.Result none = send(f, hint(list()), Map.of(), null);
            assertEquals(503, none.immediateStatus, "an empty subset allows nothing");
            FakeEnvoy.Result outside = send(f, hint(list("10.9.9.9:8000")), Map.of(), null);
            assertEquals(503, outside.immediateStatus);
        }
    }

    @Test
    void theServedEndpointTakesTheSpeculativeEntriesWhenTheGatewayFellBack() throws Exception {
        List<Pod> two = List.of(Pod.idle("10.0.0.1:8000", PodRole.BOTH), Pod.idle("10.0.0.2:8000", PodRole.BOTH));
        for (boolean fellBack : new boolean[] {false, true}) {
            try (PickerFixture f = new PickerFixture(two, 1 << 20, 0, Objectives.none())) {
                // no pod holds the prompt: the first request goes to either, and its blocks are entered there
                // speculatively; the gateway then reports which pod served it
                FakeEnvoy envoy = new FakeEnvoy(f.channel, FakeEnvoy.Mode.FULL_DUPLEX, true);
                FakeEnvoy.Result first = (fellBack ? envoy.fallsBack() : envoy).send(EnvoyRulesTest.POST,
                    EnvoyRulesTest.completion(EnvoyRulesTest.PROMPT, 0), 1, false, null, null, "{}".getBytes());
                assertEquals(List.of(), first.violations);
                String[] list = first.destination().split(",");
                String served = fellBack ? list[1] : list[0];
                assertTrue(f.scheduler.speculativeKeys() > 0);
                FakeEnvoy.Result next = send(f, null, Map.of(), null);
                assertEquals(served, next.destination().split(",")[0],
                    "the same prompt follows its blocks to the pod that served (fell back: " + fellBack + ")");
            }
        }
    }

    @Test
    void onlySheddableRequestsAreRefusedWhenEveryPodIsSaturated() throws Exception {
        List<Pod> busy = List.of(new Pod("10.0.0.1:8000", "10.0.0.1:8000", PodRole.BOTH, true, 9, 2, 0.5, 0),
            new Pod("10.0.0.2:8000", "10.0.0.2:8000", PodRole.BOTH, true, 8, 2, 0.5, 0));
        try (PickerFixture f = new PickerFixture(busy, 1 << 20, 8,
            Objectives.parse(List.of("batch=-1", "chat=10")))) {
            assertEquals(429, send(f, null, Map.of(Objectives.OBJECTIVE_HEADER, "batch"), null).immediateStatus);
            for (String objective : List.of("chat", "unknown-objective")) {
                FakeEnvoy.Result r = send(f, null, Map.of(Objectives.OBJECTIVE_HEADER, objective), null);
                assertEquals(0, r.immediateStatus, objective);
                assertTrue(r.destination().startsWith("10.0.0.2:8000"), "the least loaded: " + r.destination());
            }
            assertEquals(0, send(f, null, Map.of(), null).immediateStatus, "no objective: priority 0");
            f.pods.set(List.of(new Pod("10.0.0.1:8000", "10.0.0.1:8000", PodRole.BOTH, true, 9, 2, 0.5, 0),
                new Pod("10.0.0.2:8000", "10.0.0.2:8000", PodRole.BOTH, true, 7, 2, 0.5, 0)));
            assertEquals(0, send(f, null, Map.of(Objectives.OBJECTIVE_HEADER, "batch"), null).immediateStatus,
                "a pod below the limit takes the sheddable request");
        }
    }
}
