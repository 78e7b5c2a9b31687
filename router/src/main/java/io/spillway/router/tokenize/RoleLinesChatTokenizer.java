package io.spillway.router.tokenize;

import io.spillway.router.chat.ChatPrompt;
import java.util.Map;

/**
 * The fallback for a router that has no chat template: the messages as {@code role: content} lines. Its keys agree
 * with other routers keying alike (the approximate mode's use), never with an engine's.
 */
public final class RoleLinesChatTokenizer implements ChatTokenizer {
    private final PromptTokenizer tokenizer;

    public RoleLinesChatTokenizer(PromptTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public String describe() {
        return "role-lines + " + tokenizer.describe();
    }

    @Override
    public ChatTokens encode(ChatPrompt chat, String model) {
        return ChatTokens.all(tokenizer.encode(text(chat)));
    }

    /** The messages as {@code role: content} lines. */
    public static String text(ChatPrompt chat) {
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> m : chat.conversation()) {
            text.append(m.get("role")).append(": ").append(m.get("content")).append('\n');
        }
        return text.toString();
    }
}
