package io.spillway.perf.eval;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.PdDecider;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PrefixMatch;
import io.spillway.placement.routing.PrefixMatcher;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.SpeculativeBlocks;
import io.spillway.placement.routing.TransferCostModel;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Picks a pod for each request of an evaluation run, virtual or live: the same decisions whatever the clock, from
 * the pods as a router sees them (their load figures and, for the prefix policies, an index of their blocks).
 */
abstract class SimRouter {
    /** The position in {@code pods} of the pod {@code request} goes to. */
    abstract int route(SimRequest request, List<Pod> pods);

    /** The pod began answering {@code request} (its first token) at {@code now}, on the clock of its arrival. */
    void answered(SimRequest request, long now) {
    }

    static SimRouter of(Policy policy, BlockSpace space, BlockLocationIndex index, int pods, TransferCostModel costs,
                        long seed) {
        return switch (policy) {
            case RANDOM -> new Random(seed);
            case ROUND_ROBIN -> new RoundRobin();
            case LOAD -> new Scoring(RoutingConfig.preset("load-only"), space, null, costs, seed, 0);
            case APPROXIMATE -> new Approximate(space, pods, costs, seed);
            case PRECISE -> new Speculating(RoutingConfig.preset("llm-d-default"), space, index, costs, seed);
            case SPILLWAY -> new Speculating(RoutingConfig.preset("spillway-default"), space, index, costs, seed);
        };
    }


    static final class Random extends SimRouter {
        private final SplittableRandom random;

        Random(long seed) {
            random = new SplittableRandom(seed);
        }

        @Override
        int route(SimRequest request, List<Pod> pods) {
            return random.nextInt(pods.size());
        }
    }

    static final class RoundRobin extends SimRouter {
        private int next;

        @Override
        int route(SimRequest request, List<Pod> pods) {
            int pod = next;
            next = (next + 1) % pods.size();
            return pod;
        }
    }

    /** The router's own placement code over an index (none: load only): what {@code bin/spillway router} runs. */
    static class Scoring extends SimRouter {
        private final BlockSpace space;
        private final BlockLocationIndex index;
        private final int maxBlocks;
        private final PrefixMatcher matcher;
        private final PdDecider decider;
        private final PrefixMatch match = new PrefixMatch();
        /** The request's keys, {@link #keyed} of them: filled by {@link #route}, read by {@link #routed}. */
        long[] his = new long[64];
        long[] los = new long[64];
        int keyed;

        /** Matches at most a prompt's first {@code maxBlocks} blocks. */
        Scoring(RoutingConfig config, BlockSpace space, BlockLocationIndex index, TransferCostModel costs, long seed,
                int maxBlocks) {
            this.space = space;
            this.maxBlocks = maxBlocks;
            this.index = index;
            this.matcher = new PrefixMatcher(index == null ? EMPTY : index);
            this.decider = config.decider(costs, config.sharedScorers(), (int) seed);
        }

        @Override
        int route(SimRequest request, List<Pod> pods) {
            int[] blocks = request.routerBlocks();
            int n = index == null ? 0 : Math.min(blocks.length, maxBlocks);
            if (his.length < n) {
                his = new long[n];
                los = new long[n];
            }
            for (int b = 0; b < n; b++) {
                his[b] = space.hi(blocks[b]);
                los[b] = space.lo(blocks[b]);
            }
            keyed = n;
            RoutingRequest routing = new RoutingRequest(request.inputTokens(), BlockSpace.TOKENS_PER_BLOCK, his, los,
                n);
            Decision d = decider.decide(routing, pods, matcher.match(routing, pods, match));
            int chosen = 0;
            for (int p = 0; p < pods.size(); p++) {
                if (pods.get(p).id().equals(d.pod().id())) {
                    chosen = p;
                }
            }
            routed(request, chosen, pods.get(chosen).id());
            return chosen;
        }

        /** Called with each decision: the pod's position and id; the request's keys are in {@link #his}, {@link #los}. */
        void routed(SimRequest request, int pod, String podId) {
        }
    }

    /**
     * The precise policies: the router's placement code over the pods' and nodes' events, with speculative entries
     * for what it routed ({@link SpeculativeBlocks}).
     */
    static final class Speculating extends Scoring {
        private final SpeculativeBlocks speculative;
        private final Map<SimRequest, SpeculativeBlocks.Ticket> tickets = new IdentityHashMap<>();

        Speculating(RoutingConfig config, BlockSpace space, BlockLocationIndex index, TransferCostModel costs,
                    long seed) {
            super(config, space, index, costs, seed, Integer.MAX_VALUE);
            long ttl = config.speculativeTtlNanos();
            this.speculative = ttl > 0 ? new SpeculativeBlocks(index, ttl) : null;
        }

        @Override
        void routed(SimRequest request, int pod, String podId) {
            if (speculative == null) {
                return;
            }
            synchronized (tickets) {
                tickets.put(request, speculative.routed(podId, his, los, keyed, request.arrivalNanos()));
            }
        }

        @Override
        void answered(SimRequest request, long now) {
            SpeculativeBlocks.Ticket ticket;
            synchronized (tickets) {
                ticket = tickets.remove(request);
            }
            if (ticket != null) {
                ticket.answered(now);
            }
        }
    }

    /** The index of a policy without one: the match over no keys finds nothing. */
    private static final BlockLocationIndex EMPTY = new BlockLocationIndex(1);

    /**
     * llm-d's approximate scorer (the Gateway API Inference Extension's prefix-cache plugin): an index of where this
     * router sent blocks, an LRU per pod with that plugin's defaults: {@value #LRU_BLOCKS_PER_POD} blocks of 16 tokens
     * a pod (its estimate for an 8B model on an 80 GB GPU) and only a prompt's first {@value #MAX_PREFIX_BLOCKS}
     * blocks. What it believes a pod holds is what it sent there, whatever the pod evicted since.
     */
    static final class Approximate extends Scoring {
        static final int LRU_BLOCKS_PER_POD = 31_250;
        static final int MAX_PREFIX_BLOCKS = 256;

        private final BlockLocationIndex shadow;
        private final IntLru[] sent;
        private final BlockSpace space;

        Approximate(BlockSpace space, int pods, TransferCostModel costs, long seed) {
            this(space, new BlockLocationIndex((long) pods * LRU_BLOCKS_PER_POD + 1), pods, costs, seed);
        }

        private Approximate(BlockSpace space, BlockLocationIndex shadow, int pods, TransferCostModel costs,
                            long seed) {
            super(RoutingConfig.preset("llm-d-default"), space, shadow, costs, seed, MAX_PREFIX_BLOCKS);
            this.space = space;
            this.shadow = shadow;
            this.sent = new IntLru[pods];
            for (int p = 0; p < pods; p++) {
                sent[p] = new IntLru(LRU_BLOCKS_PER_POD);
            }
        }


        @Override
        void routed(SimRequest request, int pod, String podId) {
            int id = shadow.location(Location.pod(podId, Medium.GPU));
            int[] blocks = request.routerBlocks();
            for (int b = 0; b < keyed; b++) { // the prompt's first MAX_PREFIX_BLOCKS, keyed by route
                int block = blocks[b];
                if (sent[pod].contains(block)) {
                    sent[pod].touch(block);
                    continue;
                }
                shadow.add(his[b], los[b], id);
                int evicted = sent[pod].add(block);
                if (evicted >= 0) {
                    shadow.remove(space.hi(evicted), space.lo(evicted), id);
                }
            }
        }
    }
}
