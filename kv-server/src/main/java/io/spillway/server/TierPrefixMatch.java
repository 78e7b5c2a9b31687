package io.spillway.server;

import io.spillway.tier.TierKind;

/**
 * Answer to a prefix lookup: {@code prefixLength} leading keys are in some tier; for tier {@code kinds[t]},
 * {@code longestRun[t]} leading keys are all in it and it serves {@code blocksInPrefix[t]} of the prefix.
 */
public record TierPrefixMatch(int prefixLength, TierKind[] kinds, int[] longestRun, int[] blocksInPrefix) {
}
