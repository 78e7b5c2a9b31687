package io.spillway.placement.routing;

/**
 * What the scorers know of one request: its prompt length and the block keys of its prompt's full blocks, in
 * order (the chain a prefix lookup walks). The arrays are the caller's and may be reused after the decision.
 *
 * @param promptTokens   tokens in the prompt
 * @param tokensPerBlock tokens in one block
 * @param his            the keys' high words, {@code blocks} of them
 * @param los            the keys' low words
 * @param blocks         the prompt's full blocks ({@code promptTokens / tokensPerBlock} for a whole prompt)
 */
public record RoutingRequest(int promptTokens, int tokensPerBlock, long[] his, long[] los, int blocks) {
    public RoutingRequest {
        if (promptTokens < 0 || tokensPerBlock <= 0 || blocks < 0) {
            throw new IllegalArgumentException("promptTokens and blocks must be >= 0 and tokensPerBlock > 0, got "
                + promptTokens + ", " + blocks + ", " + tokensPerBlock);
        }
        if (his == null || los == null || his.length < blocks || los.length < blocks) {
            throw new IllegalArgumentException("the key arrays must hold " + blocks + " keys");
        }
        if ((long) blocks * tokensPerBlock > promptTokens) {
            throw new IllegalArgumentException(blocks + " blocks of " + tokensPerBlock + " tokens exceed the prompt's "
                + promptTokens + " tokens");
        }
    }
}
