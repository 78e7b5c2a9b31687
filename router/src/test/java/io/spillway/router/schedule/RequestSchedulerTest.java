package io.spillway.router.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.SpeculativeBlocks;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.chat.ChatTemplate;
import io.spillway.router.service.RouterMetrics;
import io.spillway.router.tokenize.AdapterNames;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import io.spillway.router.tokenize.PromptTokenizer;
import io.spillway.router.tokenize.TemplateChatTokenizer;
import io.spillway.router.tokenize.TokenizeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** From an OpenAI body to an outcome: the pod holding the prefix wins, subsets narrow, 503, 429, 400. */
class RequestSchedulerTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();
    private static final String PROMPT = "You are a helpful assistant who answers questions about KV caches.";

    private final BlockLocationIndex index = new BlockLocationIndex(10_000);
    private final AtomicReference<List<Pod>> pods = new AtomicReference<>(List.of(
        Pod.idle("10.0.0.1:8000", PodRole.BOTH), Pod.idle("10.0.0.2:8000", PodRole.BOTH),
        Pod.idle("10.0.0.3:8000", PodRole.BOTH)));

    private RequestScheduler scheduler(PromptTokenizer tokenizer, int shedAt) {
        return new RequestScheduler(index, pods::get, new PromptKeys(tokenizer, NS),
            RoutingConfig.preset("llm-d-default"), TransferCostModel.defaults(), shedAt);
    }

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void thePodHoldingThePromptsPrefixGetsIt() {
        RoutingRequest keyed = new PromptKeys(new CharacterTokenizer(1), NS).of(PROMPT).request();
        int gpu = index.location(Location.pod("10.0.0.2:8000", Medium.GPU));
        index.addAll(gpu, keyed.his(), keyed.los(), keyed.blocks());
        RequestScheduler s = scheduler(new CharacterTokenizer(1), 0);
        Outcome o = s.schedule(body("{\"model\": \"m\", \"prompt\": \"" + PROMPT + " What is a block?\"}"), null);
        assertEquals(Outcome.Kind.ROUTED, o.kind());
        assertEquals("10.0.0.2:8000", o.decision().pod().address());
        assertEquals(keyed.blocks() * 4, o.decision().hitTokens(), 1e-9);
        assertTrue(o.tokenizeNanos() > 0 && o.decideNanos() > 0);
        Outcome chat = s.schedule(body("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"), null);
        assertEquals(Outcome.Kind.ROUTED, chat.kind());
        Outcome narrowed = s.schedule(body("{\"prompt\": \"" + PROMPT + "\"}"), Set.of("10.0.0.3:8000"));
        assertEquals("10.0.0.3:8000", narrowed.decision().pod().address(), "the subset hint narrows the pods");
    }

    @Test
    void aChatTemplateThatFailsRoutesOnLoadAloneAndIsCounted() {
        CharacterTokenizer chars = new CharacterTokenizer(1);
        ChatTemplate raising = new ChatTemplate("{% if messages[0].role != 'user' %}{{ raise_exception('user first')"
            + " }}{% endif %}{{ messages[0].content }}", Map.of(), "test", Clock.systemUTC());
        RequestScheduler s = new RequestScheduler(index, pods::get, new PromptKeys(chars,
            new TemplateChatTokenizer(raising, chars), NS, new AdapterNames(List.of("m"))),
            RoutingConfig.preset("llm-d-default"), TransferCostModel.defaults(), 0);
        RouterMetrics metrics = new RouterMetrics();
        s.observe(metrics::record);
        Outcome ok = s.schedule(body("{\"messages\": [{\"role\": \"user\", \"content\": \"" + PROMPT + "\"}]}"),
            null);
        assertEquals(Outcome.Unkeyed.NO, ok.unkeyed());
        assertEquals(PROMPT.length() / 4, s.speculativeKeys(), "the rendered prompt's blocks were keyed");
        Outcome failed = s.schedule(body("{\"messages\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}"), null);
        assertEquals(Outcome.Kind.ROUTED, failed.kind(), "a template's failure costs the prefix knowledge, not the request");
        assertEquals(Outcome.Unkeyed.CHAT_TEMPLATE, failed.unkeyed());
        assertTrue(failed.reason().contains("raise_exception: user first"), failed.reason());
        assertTrue(metrics.scrape().contains("spillway_router_unkeyed_total{cause=\"chat-template\"} 1.0"),
            metrics.scrape());
    }

    @Test
    void aBurstSharingAPrefixFollowsTheFirstDecisionBeforeAnyEventAndSpreadsWithoutSpeculation() {
        RequestScheduler s = scheduler(new CharacterTokenizer(1), 0);
        Outcome first = s.schedule(body("{\"prompt\": \"" + PROMPT + " first?\"}"), null);
        String pod = first.decision().pod().address();
        assertTrue(first.speculative() != null && s.speculativeKeys() > 0);
        for (int i = 0; i < 8; i++) {
            Outcome next = s.schedule(body("{\"prompt\": \"" + PROMPT + " question " + i + "?\"}"), null);
            assertEquals(pod, next.decision().pod().address(), "the prefix routed a moment ago is that pod's");
            assertTrue(next.decision().hitTokens() > 0);
        }
        first.speculative().answered(System.nanoTime() - 2 * SpeculativeBlocks.GRACE_NANOS);
        assertTrue(s.speculativeKeys() > 0, "the other eight decisions still hold the prefix");

        RequestScheduler off = new RequestScheduler(new BlockLocationIndex(10_000), pods::get,
            new PromptKeys(new CharacterTokenizer(1), NS), RoutingConfig.parse("""
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: prefix-cache-scorer
                  parameters: {speculativeTtlSeconds: 0}
                - type: queue-scorer
                schedulingProfiles:
                - name: default
                  plugins:
                  - {pluginRef: prefix-cache-scorer, weight: 3}
                  - {pluginRef: queue-scorer, weight: 2}
                """), TransferCostModel.defaults(), 0);
        Set<String> chosen = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            Outcome o = off.schedule(body("{\"prompt\": \"" + PROMPT + " question " + i + "?\"}"), null);
            assertNull(o.speculative());
            assertEquals(0, o.decision().hitTokens(), 1e-9, "no events, no speculation: nothing known");
            chosen.add(o.decision().pod().address());
        }
        assertTrue(chosen.size() > 1, "equal idle pods share the burst: " + chosen);
    }

    @Test
    void noReadyPodSaturationAndBadBodiesAreAnsweredByTheFront() {
        RequestScheduler s = scheduler(new CharacterTokenizer(4), 10);
        assertEquals(Outcome.Kind.NO_POD, s.schedule(body("{\"prompt\": \"x\"}"), Set.of("10.9.9.9:1")).kind());
        pods.set(List.of(new Pod("a:1", "a:1", PodRole.BOTH, true, 12, 4, 0.9, 0),
            new Pod("b:1", "b:1", PodRole.BOTH, true, 10, 4, 0.9, 0)));
        Outcome shed = s.schedule(body("{\"prompt\": \"x\"}"), null);
        assertEquals(Outcome.Kind.SHED, shed.kind());
        assertTrue(shed.reason().contains("10"), shed.reason());
        pods.set(List.of(new Pod("a:1", "a:1", PodRole.BOTH, true, 12, 4, 0.9, 0),
            new Pod("b:1", "b:1", PodRole.BOTH, true, 9, 4, 0.9, 0)));
        assertEquals("b:1", s.schedule(body("{\"prompt\": \"x\"}"), null).decision().pod().address());
        pods.set(List.of(new Pod("a:1", "a:1", PodRole.BOTH, false, 0, 0, 0, 0)));
        assertEquals(Outcome.Kind.NO_POD, s.schedule(body("{\"prompt\": \"x\"}"), null).kind());
        for (String bad : List.of("not json", "[1, 2]", "{\"model\": \"m\"}", "{\"prompt\": 7}")) {
            Outcome o = s.schedule(body(bad), null);
            assertEquals(Outcome.Kind.BAD_REQUEST, o.kind(), bad);
            assertNull(o.decision());
        }
    }

    @Test
    void aPromptThatCannotBeTokenizedIsRoutedOnLoadAndSaysSo() {
        PromptTokenizer broken = new PromptTokenizer() {
            @Override
            public String describe() {
                return "broken";
            }

            @Override
            public int[] encode(String prompt) {
                throw new TokenizeException("engine down");
            }
        };
        Outcome o = scheduler(broken, 0).schedule(body("{\"prompt\": \"x\"}"), null);
        assertEquals(Outcome.Kind.ROUTED, o.kind());
        assertTrue(o.reason().contains("engine down"), o.reason());
    }
}
