package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.sim.SimCommand;
import io.spillway.router.chat.ChatTemplate;
import io.spillway.router.tokenize.AdapterNames;
import io.spillway.router.tokenize.HuggingFaceTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import io.spillway.router.tokenize.RoleLinesChatTokenizer;
import io.spillway.router.tokenize.TemplateChatTokenizer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chat workload through Qwen3's template: keyed by the router's template, the router names exactly the blocks
 * the pods cache and precise routing finds the oracle's hits; keyed as role lines, it names none of them and precise
 * finds what load routing finds.
 */
class ChatWorkloadTest {
    private static final Path QWEN3 = SimCommand.fromRoot("router/src/test/resources/chat/qwen3");
    private static final String MODEL = Workloads.NAMESPACE.modelId();
    private static final ChatWorkload.Shape SHAPE = new ChatWorkload.Shape(16, 4, 2, 120, 20, 40, 0.5);

    private static EnginePrompts engine;
    private static HuggingFaceTokenizer tokenizer;

    @BeforeAll
    static void open() {
        engine = EnginePrompts.model(QWEN3, MODEL);
        tokenizer = new HuggingFaceTokenizer(QWEN3.resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        engine.close();
        tokenizer.close();
    }

    private static Workload keyed(boolean template) {
        PromptKeys router = new PromptKeys(tokenizer, template
            ? new TemplateChatTokenizer(ChatTemplate.load(QWEN3.resolve("tokenizer_config.json"), Clock.systemUTC()),
                tokenizer)
            : new RoleLinesChatTokenizer(tokenizer), Workloads.NAMESPACE, new AdapterNames(List.of(MODEL)));
        return ChatWorkload.generate(SHAPE, engine, router, "chat", 7);
    }

    @Test
    void theTemplatedRouterNamesThePodsBlocksAndPreciseRoutingFindsThem() {
        Workload template = keyed(true);
        Workload lines = keyed(false);
        assertEquals(64, template.requests().size());
        Set<Integer> engineBlocks = new HashSet<>();
        for (int r = 0; r < template.requests().size(); r++) {
            SimRequest t = template.requests().get(r);
            SimRequest l = lines.requests().get(r);
            assertArrayEquals(t.blocks(), t.routerBlocks(), "request " + r + ": the router's blocks are the pod's");
            assertEquals(t.blocks().length, l.blocks().length);
            for (int b = 0; b < t.blocks().length; b++) {
                assertEquals(template.space().lo(t.blocks()[b]), lines.space().lo(l.blocks()[b]),
                    "the pods' blocks are the same either way");
            }
            for (int b : l.blocks()) {
                engineBlocks.add(b);
            }
        }
        for (SimRequest l : lines.requests()) {
            for (int b : l.routerBlocks()) {
                assertTrue(!engineBlocks.contains(b), "role lines never name a block the pods hold");
            }
        }
        long oracle = template.oracleHitTokens();
        assertTrue(oracle > template.inputTokens() / 2, "later turns repeat earlier ones: " + oracle);
        RunResult precise = new VirtualRun(template, Policy.PRECISE, "t", 4, EngineParams.defaults(), 1_000, 1_000, 3)
            .run();
        RunResult blind = new VirtualRun(lines, Policy.PRECISE, "l", 4, EngineParams.defaults(), 1_000, 1_000, 3)
            .run();
        assertEquals(oracle, precise.hitTokens(), "every turn finds the pod holding the conversation");
        assertTrue(blind.hitTokens() < oracle * 0.8, "keyed as lines, precise routing is blind: "
            + blind.hitTokens() + " of " + oracle);
    }
}
