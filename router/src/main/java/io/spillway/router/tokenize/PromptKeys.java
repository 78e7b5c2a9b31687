package io.spillway.router.tokenize;

import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.placement.routing.RoutingRequest;

/**
 * A prompt to the {@link RoutingRequest} the decider takes: tokenized, then its full blocks keyed under the
 * model's namespace (docs/block-keys.md), each step timed on its own so that tokenization is reported beside the
 * decision rather than inside it.
 */
public final class PromptKeys {
    /**
     * @param request       the tokens' block keys
     * @param tokenizeNanos time spent tokenizing
     * @param keyNanos      time spent hashing block keys
     */
    public record Keyed(RoutingRequest request, long tokenizeNanos, long keyNanos) {
    }

    private final PromptTokenizer tokenizer;
    private final Namespace namespace;

    public PromptKeys(PromptTokenizer tokenizer, Namespace namespace) {
        this.tokenizer = tokenizer;
        this.namespace = namespace;
    }

    public PromptTokenizer tokenizer() {
        return tokenizer;
    }

    /** @throws TokenizeException when the tokenizer cannot tokenize the prompt */
    public Keyed of(String prompt) {
        long t0 = System.nanoTime();
        int[] tokens = tokenizer.encode(prompt);
        long t1 = System.nanoTime();
        BlockKey[] keys = BlockKeys.chain(namespace, tokens);
        long[] his = new long[keys.length];
        long[] los = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            his[i] = keys[i].hi();
            los[i] = keys[i].lo();
        }
        long t2 = System.nanoTime();
        return new Keyed(new RoutingRequest(tokens.length, namespace.blockSizeTokens(), his, los, keys.length),
            t1 - t0, t2 - t1);
    }
}
