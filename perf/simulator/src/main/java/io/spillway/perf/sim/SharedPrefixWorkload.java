package io.spillway.perf.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A generated stand-in for the Mooncake trace when it is absent: {@code groups} groups of {@code usersPerGroup}
 * users; every user of a group sends the group's shared context followed by a question of its own, in a seeded
 * shuffled order. The block that straddles the end of the context holds question tokens too, so it is unique per
 * request, as chained prefix hashes make it.
 */
public final class SharedPrefixWorkload {
    private SharedPrefixWorkload() {
    }

    /** The default: 150 groups × 5 users, a 6,000-token shared context and 1,200-token questions. */
    public static List<TraceRequest> generate(long seed) {
        return generate(150, 5, 6_000, 1_200, seed);
    }

    public static List<TraceRequest> generate(int groups, int usersPerGroup, int contextTokens, int questionTokens,
                                              long seed) {
        int b = TraceRequest.HASH_BLOCK_TOKENS;
        int sharedBlocks = contextTokens / b; // whole blocks of context only
        int inputTokens = contextTokens + questionTokens;
        int ownBlocks = (inputTokens + b - 1) / b - sharedBlocks;
        List<TraceRequest> requests = new ArrayList<>(groups * usersPerGroup);
        int nextId = 0;
        for (int g = 0; g < groups; g++) {
            int[] shared = new int[sharedBlocks];
            for (int i = 0; i < sharedBlocks; i++) {
                shared[i] = nextId++;
            }
            for (int u = 0; u < usersPerGroup; u++) {
                int[] ids = new int[sharedBlocks + ownBlocks];
                System.arraycopy(shared, 0, ids, 0, sharedBlocks);
                for (int i = sharedBlocks; i < ids.length; i++) {
                    ids[i] = nextId++;
                }
                requests.add(new TraceRequest(inputTokens, ids));
            }
        }
        Collections.shuffle(requests, new Random(seed));
        return requests;
    }
}
