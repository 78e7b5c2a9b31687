package io.spillway.perf.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.router.schedule.CompletionPrompt;
import io.spillway.router.tokenize.PromptKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chat traffic: multi-turn conversations, each request carrying the conversation so far (a shared system prompt, the
 * earlier questions and answers, the new question), as chat clients send them to {@code /v1/chat/completions}. Each
 * request body is turned into blocks twice: by the engine ({@link EnginePrompts}: the model's chat template and
 * tokenizer, as vLLM), which gives the blocks the pods cache; and by the router's own {@link PromptKeys}, which gives
 * the blocks the routing policies look up. Where the two differ (a router keying chat as {@code role: content} lines,
 * as it did before issue 16) the prefix policies find nothing the pods hold.
 *
 * <p>Conversations start as a Poisson process, {@code startsPerSecond} at speed-up 1; a user asks the next question a
 * uniform 20 to 60 s after the last; each answer is {@code answerWords} words of text, which is also what the pod
 * generates for it. Text is drawn from a seeded list of words.
 */
final class ChatWorkload {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = ("the a of to and in is that for it as with on be by this are from or at "
        + "an which was can we not have our their more also data cache block router pod request token prompt model "
        + "memory layer tier key value prefix hit miss latency throughput queue load node cluster event feed index "
        + "score weight decode prefill transfer bandwidth storage evict store read write copy page batch stream "
        + "answer question system user assistant conversation context window length limit time first second "
        + "because when where how what why then than while until after before during each every some many few "
        + "large small fast slow high low new old good better best same other next last long short open close "
        + "server client engine kernel thread process network disk file format schema version config setting")
        .split(" ");

    /** How the router keys the requests. */
    enum RouterKeys {
        /** Its chat template, as the engine: the router since issue 16. */
        TEMPLATE,
        /** {@code role: content} lines: the router before it. */
        LINES;

        static RouterKeys parse(String way) {
            return switch (way) {
                case "template" -> TEMPLATE;
                case "lines" -> LINES;
                default -> throw new IllegalArgumentException("chat keys are template or lines, got '" + way + "'");
            };
        }
    }

    /**
     * @param conversations   how many
     * @param turns           questions in each
     * @param systemPrompts   distinct system prompts, shared by the conversations (round robin)
     * @param systemWords     words of a system prompt
     * @param questionWords   words of a question
     * @param answerWords     words of an answer
     * @param startsPerSecond conversations started a second, at speed-up 1
     */
    record Shape(int conversations, int turns, int systemPrompts, int systemWords, int questionWords, int answerWords,
                 double startsPerSecond) {
        Shape {
            if (conversations < 1 || turns < 1 || systemPrompts < 1 || systemWords < 0 || questionWords < 1
                || answerWords < 1 || !(startsPerSecond > 0)) {
                throw new IllegalArgumentException("a chat workload needs conversations, turns, system prompts, "
                    + "question and answer words >= 1, system words >= 0 and a start rate > 0; got " + this);
            }
        }

        static Shape defaults() {
            return new Shape(150, 6, 10, 600, 60, 150, 0.5);
        }
    }

    private ChatWorkload() {
    }

    /**
     * @param engine the pods' view (the model's template and tokenizer)
     * @param router the router's keys of the same requests
     */
    static Workload generate(Shape shape, EnginePrompts engine, PromptKeys router, String label, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> systems = new ArrayList<>();
        for (int s = 0; s < shape.systemPrompts(); s++) {
            systems.add(text(random, shape.systemWords()));
        }
        BlockSpace space = new BlockSpace(Workloads.NAMESPACE, BlockSpace.TOKENS_PER_BLOCK);
        List<SimRequest> requests = new ArrayList<>();
        double start = 0;
        for (int c = 0; c < shape.conversations(); c++) {
            start += -Math.log(1 - random.nextDouble()) / shape.startsPerSecond();
            ObjectNode body = JSON.createObjectNode().put("model", Workloads.NAMESPACE.modelId());
            ArrayNode messages = body.putArray("messages");
            if (shape.systemWords() > 0) {
                messages.addObject().put("role", "system").put("content", systems.get(c % systems.size()));
            }
            double at = start;
            for (int t = 0; t < shape.turns(); t++) {
                messages.addObject().put("role", "user").put("content", text(random, shape.questionWords()));
                String answer = text(random, shape.answerWords());
                EnginePrompts.Prompt prompt = engine.of(body);
                int[] blocks = space.blocksOf(BlockKeys.chain(Workloads.NAMESPACE, prompt.tokens(), prompt.extras()));
                RoutingRequest keyed = router.of(CompletionPrompt.parse(body)).request();
                BlockKey[] routerKeys = new BlockKey[keyed.blocks()];
                for (int b = 0; b < routerKeys.length; b++) {
                    routerKeys[b] = new BlockKey(keyed.his()[b], keyed.los()[b]);
                }
                int output = Math.max(1, engine.of(JSON.createObjectNode().put("prompt", answer)
                    .put("add_special_tokens", false)).tokens().length);
                requests.add(new SimRequest(Math.round(at * 1e9), prompt.tokens().length, output, blocks,
                    space.blocksOf(routerKeys)));
                messages.addObject().put("role", "assistant").put("content", answer);
                at += 20 + 40 * random.nextDouble();
            }
        }
        requests.sort(Comparator.comparingLong(SimRequest::arrivalNanos));
        return new Workload(label, requests, space);
    }

    private static String text(SplittableRandom random, int words) {
        StringBuilder s = new StringBuilder();
        for (int w = 0; w < words; w++) {
            String word = WORDS[random.nextInt(WORDS.length)];
            if (w == 0 || s.charAt(s.length() - 1) == '.') {
                word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
            }
            s.append(w == 0 ? "" : " ").append(word);
            if (random.nextInt(12) == 0 || w == words - 1) {
                s.append('.');
            }
        }
        return s.toString();
    }
}
