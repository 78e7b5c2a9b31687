package io.spillway.router.schedule;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.PdDecider;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PrefixMatch;
import io.spillway.placement.routing.PrefixMatcher;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.Scorer;
import io.spillway.placement.routing.SpeculativeBlocks;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.chat.ChatTemplateException;
import io.spillway.router.tokenize.PromptKeys;
import io.spillway.router.tokenize.TokenizeException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One request's way from body to decision, shared by the fronts: read the OpenAI body, key its prompt, narrow the
 * pods to a subset hint if one came, shed when every candidate's queue is at the limit, decide. A prompt that
 * cannot be tokenized is routed without prefix knowledge (load only) and says so. Thread-safe: each thread keeps its
 * own matcher and decider.
 *
 * <p>Shedding follows the Gateway API Inference Extension's admission: only a sheddable request (priority below 0)
 * is refused (429) when every candidate has {@code shedAtWaiting} or more waiting; a request of priority 0 or more
 * is routed to the least loaded instead. A front that knows no priorities (the OpenAI proxy) schedules its
 * requests as {@link #SHEDDABLE}.
 */
public final class RequestScheduler {
    private static final RoutingRequest NO_KEYS = new RoutingRequest(0, 1, new long[0], new long[0], 0);
    /** The priority of a request from a front without priorities: sheddable, the lowest GIE admits. */
    public static final int SHEDDABLE = -1;

    private final BlockLocationIndex index;
    private final Supplier<List<Pod>> pods;
    private final PromptKeys keys;
    private final int shedAtWaiting;
    private final ThreadLocal<PrefixMatcher> matchers;
    private final ThreadLocal<PrefixMatch> matches = ThreadLocal.withInitial(PrefixMatch::new);
    private final ThreadLocal<PdDecider> deciders;
    /** Speculative entries for what this router sends, or null when the configuration turns them off. */
    private final SpeculativeBlocks speculative;
    private final List<Consumer<Outcome>> observers =
        new CopyOnWriteArrayList<>();

    /**
     * @param pods          the pods now (discovery joined with loads and in-flight counts)
     * @param shedAtWaiting a request is shed (429) when every candidate has at least this many waiting; 0 never sheds
     */
    public RequestScheduler(BlockLocationIndex index, Supplier<List<Pod>> pods, PromptKeys keys, RoutingConfig config,
                            TransferCostModel model, int shedAtWaiting) {
        this(index, pods, keys, config, model, shedAtWaiting, SpeculativeBlocks.DEFAULT_MAX_KEYS);
    }

    /** @param maxSpeculativeKeys speculative entries held at most; beyond it the decisions due first leave early */
    public RequestScheduler(BlockLocationIndex index, Supplier<List<Pod>> pods, PromptKeys keys, RoutingConfig config,
                            TransferCostModel model, int shedAtWaiting, int maxSpeculativeKeys) {
        if (shedAtWaiting < 0) {
            throw new IllegalArgumentException("shedAtWaiting must be >= 0, got " + shedAtWaiting);
        }
        this.index = index;
        this.pods = pods;
        this.keys = keys;
        this.shedAtWaiting = shedAtWaiting;
        this.matchers = ThreadLocal.withInitial(() -> new PrefixMatcher(index));
        Map<String, Scorer> shared = config.sharedScorers();
        AtomicInteger threads = new AtomicInteger();
        this.deciders = ThreadLocal.withInitial(() -> config.decider(model, shared, threads.getAndIncrement()));
        long ttl = config.speculativeTtlNanos();
        this.speculative = ttl > 0 ? new SpeculativeBlocks(index, ttl, maxSpeculativeKeys) : null;
    }

    /** Calls {@code observer} with every outcome (metrics, the decision log), on the scheduling thread. */
    public void observe(Consumer<Outcome> observer) {
        observers.add(observer);
    }

    /**
     * @param subset the {@code host:port} addresses a gateway allows (its subset hint), or null for all pods
     */
    public Outcome schedule(byte[] body, Set<String> subset) {
        return schedule(null, body, addresses(subset), SHEDDABLE);
    }

    /**
     * A request to {@code path}: {@code /v1/completions}, {@code /v1/chat/completions}, {@code /v1/embeddings} and
     * {@code /v1/responses} are read as vLLM reads them ({@link CompletionPrompt}); any other path is routed on load.
     *
     * @param path   the request's path ({@code :path}, a query allowed), or null to tell a completion from a chat
     *               request by the body's fields
     * @param subset the {@code host:port} addresses a gateway allows (its subset hint), or null for all pods
     */
    public Outcome schedule(String path, byte[] body, Set<String> subset) {
        return schedule(path, body, addresses(subset), SHEDDABLE);
    }

    /**
     * The full entry point: {@code path} as in {@link #schedule(String, byte[], Set)}; {@code subset} the pods a
     * gateway allows (its subset hint), or null for all, its {@code toString} naming it; {@code priority} the
     * request's priority, sheddable below 0.
     */
    public Outcome schedule(String path, byte[] body, Predicate<Pod> subset, int priority) {
        CompletionPrompt prompt;
        try {
            prompt = CompletionPrompt.parse(path, body);
        } catch (IllegalArgumentException e) {
            return observed(new Outcome(Outcome.Kind.BAD_REQUEST, null, e.getMessage(), 0, 0));
        }
        return observed(decide(prompt, subset, priority));
    }

    /** A request routed before its body is seen (no body, or a gateway that wants the destination first). */
    public Outcome scheduleWithoutPrompt(Predicate<Pod> subset, int priority) {
        return observed(decide(null, subset, priority));
    }

    /**
     * The gateway reports that {@code served} answered a request this router sent elsewhere (it fell back down the
     * list): the decision's speculative entries move to the pod that matches, which now holds the prompt. A split
     * decision's entries stay with its prefill pod, which the fallback did not change.
     *
     * @return the ticket that holds the entries now ({@code ticket} when nothing moved)
     */
    public SpeculativeBlocks.Ticket served(Outcome outcome, SpeculativeBlocks.Ticket ticket, Predicate<Pod> served) {
        if (speculative == null || ticket == null || outcome.decision() == null || outcome.decision().split()
            || served.test(outcome.decision().pod())) {
            return ticket;
        }
        for (Pod p : pods.get()) {
            if (served.test(p)) {
                return speculative.moveTo(ticket, p.id(), System.nanoTime());
            }
        }
        return ticket;
    }

    private static Predicate<Pod> addresses(Set<String> subset) {
        if (subset == null) {
            return null;
        }
        return new Predicate<>() {
            @Override
            public boolean test(Pod p) {
                return subset.contains(p.address());
            }

            @Override
            public String toString() {
                return subset.toString();
            }
        };
    }

    private Outcome observed(Outcome outcome) {
        for (Consumer<Outcome> o : observers) {
            o.accept(outcome);
        }
        return outcome;
    }

    /** {@code prompt} null: no prompt. */
    private Outcome decide(CompletionPrompt prompt, Predicate<Pod> subset, int priority) {
        long t0 = System.nanoTime();
        RoutingRequest request = NO_KEYS;
        String note = null;
        Outcome.Unkeyed unkeyed = Outcome.Unkeyed.NO;
        try {
            if (prompt != null && !prompt.keyable()) {
                note = "routed on load only: " + prompt.unkeyed();
            } else if (prompt != null) {
                request = keys.of(prompt).request();
            }
        } catch (TokenizeException e) {
            request = NO_KEYS;
            note = "routed on load only: " + e.getMessage();
            unkeyed = e instanceof ChatTemplateException ? Outcome.Unkeyed.CHAT_TEMPLATE : Outcome.Unkeyed.TOKENIZER;
        }
        long t1 = System.nanoTime();
        List<Pod> candidates = pods.get();
        if (subset != null) {
            candidates = candidates.stream().filter(subset).toList();
        }
        if (candidates.stream().noneMatch(p -> p.ready() && p.role().decodes())) {
            return new Outcome(Outcome.Kind.NO_POD, null, subset == null ? "no ready pod"
                : "no ready pod in the subset " + subset, t1 - t0, 0);
        }
        if (priority < 0 && shedAtWaiting > 0 && candidates.stream().filter(p -> p.ready() && p.role().decodes())
            .allMatch(p -> p.waiting() >= shedAtWaiting)) {
            return new Outcome(Outcome.Kind.SHED, null, "every pod has " + shedAtWaiting + " or more requests waiting"
                + " (priority " + priority + " is sheddable)",
                t1 - t0, 0);
        }
        PrefixMatch match = matchers.get().match(request, candidates, matches.get());
        Decision decision = deciders.get().decide(request, candidates, match);
        long t2 = System.nanoTime();
        SpeculativeBlocks.Ticket ticket = null;
        if (speculative != null && decision.routed() && request.blocks() > 0) {
            // the pod that prefills the prompt holds its blocks next: the prefill side of a split
            String prefiller = (decision.split() ? decision.prefill() : decision.pod()).id();
            ticket = speculative.routed(prefiller, request.his(), request.los(), request.blocks(), t2);
        } else if (speculative != null) {
            speculative.expire(t2);
        }
        return new Outcome(Outcome.Kind.ROUTED, decision, note, t1 - t0, t2 - t1, ticket, unkeyed);
    }

    public BlockLocationIndex index() {
        return index;
    }

    /** Decisions whose speculative entries left early at the bound (0 when off). */
    public long speculativeEvictions() {
        return speculative == null ? 0 : speculative.evictions();
    }

    /** Keys held speculatively now (0 when off). */
    public int speculativeKeys() {
        return speculative == null ? 0 : speculative.size();
    }
}
