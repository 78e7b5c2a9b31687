package io.spillway.client;

import io.spillway.tier.TierKind;
import java.util.Map;

/**
 * Answer to a prefix lookup: {@code prefixLength} leading keys are present in some tier; per tier, the longest run
 * of leading keys all in that tier and how many blocks of the overall prefix it serves.
 */
public record PrefixLookup(int prefixLength, Map<TierKind, Integer> longestRun, Map<TierKind, Integer> blocksInPrefix) {
}
