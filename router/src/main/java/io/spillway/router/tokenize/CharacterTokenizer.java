package io.spillway.router.tokenize;

/**
 * The approximate mode, for models whose tokenizer the router does not have: a token per {@code charsPerToken}
 * characters (4 by default, about English text's rate), its id a hash of those characters. Prompts that share a
 * prefix share its ids, so the router's prefix lookups agree with each other; the ids are not the engine's, so its
 * keys match only blocks this same mode keyed (the Spillway tiers' own, when clients key them alike), never vLLM's
 * own KV events. Token counts are estimates.
 */
public final class CharacterTokenizer implements PromptTokenizer {
    private final int charsPerToken;

    public CharacterTokenizer(int charsPerToken) {
        if (charsPerToken < 1) {
            throw new IllegalArgumentException("charsPerToken must be >= 1, got " + charsPerToken);
        }
        this.charsPerToken = charsPerToken;
    }

    @Override
    public String describe() {
        return "approximate:" + charsPerToken + " chars/token";
    }

    @Override
    public int[] encode(String prompt) {
        int n = (prompt.length() + charsPerToken - 1) / charsPerToken;
        int[] ids = new int[n];
        for (int t = 0; t < n; t++) {
            int h = 0x811C9DC5;
            for (int i = t * charsPerToken, end = Math.min(prompt.length(), i + charsPerToken); i < end; i++) {
                h = (h ^ prompt.charAt(i)) * 0x01000193; // FNV-1a over the chunk's UTF-16 units
            }
            ids[t] = h & 0x7FFF_FFFF;
        }
        return ids;
    }
}
