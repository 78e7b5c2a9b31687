package io.spillway.placement.routing;

/**
 * When a request is split between a prefill pod and its decode pod, as llm-d's P/D deciders decide it:
 * {@code prefix-based-pd-decider} splits when the prompt tokens the chosen decode pod would still prefill reach {@code
 * nonCachedTokens}, and never when that is 0 (llm-d's "disabled"); {@code always-disagg-pd-decider} always splits.
 *
 * @param type            the decider's plugin type
 * @param nonCachedTokens the prefix-based threshold (0 for the always decider)
 */
public record SplitRule(String type, int nonCachedTokens) {
    public static final String PREFIX_BASED = "prefix-based-pd-decider";
    public static final String ALWAYS = "always-disagg-pd-decider";

    public SplitRule {
        if (!PREFIX_BASED.equals(type) && !ALWAYS.equals(type)) {
            throw new IllegalArgumentException("unknown P/D decider '" + type + "': expected " + PREFIX_BASED
                + " or " + ALWAYS);
        }
        if (nonCachedTokens < 0) {
            throw new IllegalArgumentException(type + " nonCachedTokens must be >= 0, got " + nonCachedTokens);
        }
    }

    public static SplitRule prefixBased(int nonCachedTokens) {
        return new SplitRule(PREFIX_BASED, nonCachedTokens);
    }

    public static SplitRule always() {
        return new SplitRule(ALWAYS, 0);
    }

    /** Whether a request whose decode pod would still prefill {@code uncachedTokens} is split. */
    public boolean split(double uncachedTokens) {
        return type.equals(ALWAYS) || (nonCachedTokens > 0 && uncachedTokens >= nonCachedTokens);
    }
}
