package io.spillway.router.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model's {@code tokenizer.json} run by Hugging Face's tokenizers library (DJL's binding). Special tokens are
 * added as the model's configuration says for a completion prompt (vLLM's default there), and not for a chat
 * template's text (vLLM's chat default: the template writes them).
 */
public final class HuggingFaceTokenizer implements PromptTokenizer {
    private final Path file;
    private final ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tokenizer;

    /**
     * @throws IllegalArgumentException when the file is missing or not a tokenizer the library can load
     */
    public HuggingFaceTokenizer(Path tokenizerJson) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("no tokenizer file at " + tokenizerJson);
        }
        this.file = tokenizerJson;
        try {
            this.tokenizer = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "tokenizer.json:" + file;
    }

    @Override
    public int[] encode(String prompt) {
        return ids(tokenizer.encode(prompt));
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return ids(tokenizer.encode(text, addSpecialTokens, false));
    }

    private static int[] ids(Encoding encoding) {
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
