package io.spillway.router.tokenize;

import io.spillway.router.chat.ChatPrompt;
import io.spillway.router.chat.ChatTemplateException;

/** A model's tokenizer without its chat template: chat requests cannot be keyed as the engine keys them. */
public final class NoChatTemplate implements ChatTokenizer {
    private final String tokenizer;

    public NoChatTemplate(String tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public String describe() {
        return "none (no chat template for " + tokenizer + ")";
    }

    @Override
    public ChatTokens encode(ChatPrompt chat, String model) {
        throw new ChatTemplateException("no chat template for " + tokenizer + " (give --chat-template)");
    }
}
