package io.spillway.router.tokenize;

import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.router.schedule.CompletionPrompt;
import java.util.Arrays;
import java.util.List;

/**
 * A request to the {@link RoutingRequest} the decider takes: its prompt tokenized (a chat request through the model's
 * chat template, {@link ChatTokenizer}), then its full blocks keyed under the model's namespace with the request's
 * extras (docs/block-keys.md): a LoRA adapter's name on every block when {@code model} names one, vLLM's {@code
 * cache_salt} on the first. A chat request with a multimodal item is keyed up to the item's placeholder only: the
 * engine keys the item's blocks with a hash of the decoded item, which the router cannot compute. Each step is timed
 * on its own so that tokenization is reported beside the decision rather than inside it.
 *
 * <p>Keys only steer routing: a key that differs from the engine's costs a hit the router does not see (a worse
 * pick), never a wrong answer, since the engine and the Spillway tiers check blocks by their own keys.
 */
public final class PromptKeys {
    /**
     * @param request       the tokens' block keys
     * @param tokenizeNanos time spent tokenizing (a chat template's rendering included)
     * @param keyNanos      time spent hashing block keys
     */
    public record Keyed(RoutingRequest request, long tokenizeNanos, long keyNanos) {
    }

    private final PromptTokenizer tokenizer;
    private final ChatTokenizer chats;
    private final Namespace namespace;
    private final AdapterNames adapters;

    /** Chat requests as {@code role: content} lines, the base model served under its model id. */
    public PromptKeys(PromptTokenizer tokenizer, Namespace namespace) {
        this(tokenizer, new RoleLinesChatTokenizer(tokenizer), namespace,
            new AdapterNames(List.of(namespace.modelId())));
    }

    public PromptKeys(PromptTokenizer tokenizer, ChatTokenizer chats, Namespace namespace, AdapterNames adapters) {
        this.tokenizer = tokenizer;
        this.chats = chats;
        this.namespace = namespace;
        this.adapters = adapters;
    }

    public PromptTokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTokenizer chats() {
        return chats;
    }

    /** A completion prompt of the base model, without extras. */
    public Keyed of(String prompt) {
        long t0 = System.nanoTime();
        int[] tokens = tokenizer.encode(prompt);
        return keyed(tokens, tokens.length, RequestExtras.NONE, t0, System.nanoTime());
    }

    /**
     * A request's prompt keyed: a chat request through its template, token ids as they are, text through the
     * tokenizer (with special tokens when the request asks for them, as vLLM's {@code add_special_tokens}).
     *
     * @throws TokenizeException        when the prompt cannot be built or tokenized (a chat template's failure
     *                                  included)
     * @throws IllegalArgumentException when the request has no prompt to key ({@link CompletionPrompt#keyable()})
     */
    public Keyed of(CompletionPrompt request) {
        long t0 = System.nanoTime();
        int[] tokens;
        int keyable;
        if (!request.keyable()) {
            throw new IllegalArgumentException("the request has no prompt to key: " + request.unkeyed());
        }
        if (request.isChat()) {
            ChatTokenizer.ChatTokens chat = chats.encode(request.chat(), request.model());
            tokens = chat.tokens();
            keyable = chat.keyable();
        } else if (request.tokens() != null) {
            tokens = request.tokens(); // the engine takes the ids as they are: keyed without a tokenizer
            keyable = tokens.length;
        } else {
            tokens = tokenizer.encode(request.prompt(), request.addSpecialTokens());
            keyable = tokens.length;
        }
        long t1 = System.nanoTime();
        RequestExtras extras;
        try {
            extras = RequestExtras.builder().lora(adapters.adapter(request.model())).cacheSalt(request.cacheSalt())
                .build();
        } catch (IllegalArgumentException e) { // a model name or salt that is not well-formed Unicode
            throw new TokenizeException("cannot key the request's extras: " + e.getMessage(), e);
        }
        return keyed(tokens, keyable, extras, t0, t1);
    }

    private Keyed keyed(int[] tokens, int keyable, RequestExtras extras, long t0, long t1) {
        int[] keyed = keyable == tokens.length ? tokens : Arrays.copyOf(tokens, keyable);
        BlockKey[] keys = BlockKeys.chain(namespace, keyed, extras);
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
