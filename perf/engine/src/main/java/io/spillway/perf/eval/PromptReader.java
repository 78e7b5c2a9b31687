package io.spillway.perf.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.spillway.key.RequestExtras;

/**
 * How a simulated pod ({@link EngineServer}) turns an OpenAI request body into the tokens it prefills and the extras
 * its blocks are keyed with. The engine has no tokenizer of its own, so that it needs nothing of the router's (whose
 * tests use it): the simulator's {@code EnginePrompts} reads requests as vLLM does with the router's tokenizers and
 * chat templates, and a router test can pass its own.
 */
public interface PromptReader extends AutoCloseable {
    /** A request's prompt tokens and its blocks' extras. */
    record Prompt(int[] tokens, RequestExtras extras) {
    }

    /**
     * The prompt of a request body (read as JSON).
     *
     * @throws IllegalArgumentException for a body that is not a request, or a prompt that cannot be read
     */
    Prompt of(JsonNode root);

    /** Frees what reading prompts holds (a native tokenizer, say); nothing by default. */
    @Override
    default void close() {
    }
}
