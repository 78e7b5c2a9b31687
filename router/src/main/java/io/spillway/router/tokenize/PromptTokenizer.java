package io.spillway.router.tokenize;

/** Turns a prompt into the model's token ids, from which its block keys are hashed. */
public interface PromptTokenizer extends AutoCloseable {
    /** What this tokenizer is, for logs and metrics ({@code tokenizer.json:<path>}, {@code engine:<url>}, ...). */
    String describe();

    /**
     * The token ids of {@code prompt}.
     *
     * @throws TokenizeException when the prompt cannot be tokenized (the engine down, a bad answer)
     */
    int[] encode(String prompt);

    /**
     * The token ids of {@code text}, with the model's special tokens (a BOS) added or not: a completion prompt gets
     * them ({@link #encode(String)}), a chat template's text does not (the template writes its own).
     */
    default int[] encode(String text, boolean addSpecialTokens) {
        return encode(text);
    }

    @Override
    default void close() {
    }
}
