package io.spillway.router.tokenize;

import io.spillway.router.chat.ChatPrompt;

/** Turns a chat request into the token ids of the prompt the engine builds from it. */
public interface ChatTokenizer {
    /** What it is, for logs ({@code template:<file> + tokenizer.json:<file>}, {@code engine:/tokenize}, ...). */
    String describe();

    /**
     * @param model the request's {@code model} (an adapter's name or the base model's)
     * @throws TokenizeException when the prompt cannot be built or tokenized (a template that fails included)
     */
    ChatTokens encode(ChatPrompt chat, String model);

    /**
     * A chat prompt's tokens, and how many leading ones may be keyed: all of them, or those before the first
     * multimodal item's placeholder (whose blocks the engine keys with the item's hash, which the router lacks).
     *
     * @param tokens  the prompt's tokens (up to the first multimodal item, when there is one)
     * @param keyable how many leading tokens the router keys
     */
    record ChatTokens(int[] tokens, int keyable) {
        public ChatTokens {
            if (keyable < 0 || keyable > tokens.length) {
                throw new IllegalArgumentException("keyable " + keyable + " outside 0.." + tokens.length);
            }
        }

        public static ChatTokens all(int[] tokens) {
            return new ChatTokens(tokens, tokens.length);
        }
    }
}
