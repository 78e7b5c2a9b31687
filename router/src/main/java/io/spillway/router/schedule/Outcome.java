package io.spillway.router.schedule;

import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.SpeculativeBlocks;

/**
 * What a front does with a request: send it ({@link Kind#ROUTED}, with the decision), or answer it itself —
 * {@link Kind#NO_POD} (503: no ready pod), {@link Kind#SHED} (429: every candidate saturated), {@link Kind#BAD_REQUEST}
 * (400: a body the router cannot read).
 *
 * @param decision      the decision, when routed
 * @param reason        why not routed, or the tokenizer's complaint when it routed without prefix knowledge
 * @param tokenizeNanos time spent tokenizing and keying
 * @param decideNanos   time spent matching, scoring and picking
 * @param speculative   the speculative entries the decision made ({@link SpeculativeBlocks}), or null: a front that
 *                      sees the pod's answer start tells them ({@link SpeculativeBlocks.Ticket#answered})
 * @param unkeyed       why the prompt has no keys, when it has none by failure ({@link Unkeyed#NO})
 */
public record Outcome(Kind kind, Decision decision, String reason, long tokenizeNanos, long decideNanos,
                      SpeculativeBlocks.Ticket speculative, Unkeyed unkeyed) {
    public Outcome(Kind kind, Decision decision, String reason, long tokenizeNanos, long decideNanos) {
        this(kind, decision, reason, tokenizeNanos, decideNanos, null, Unkeyed.NO);
    }

    /** Whether and why a routed request went without prefix knowledge. */
    public enum Unkeyed {
        /** Keyed, or nothing to key (no body). */
        NO,
        /** The model's chat template failed on the request (it raised, or uses what the router cannot run). */
        CHAT_TEMPLATE,
        /** The tokenizer failed (the engine's /tokenize down, a bad answer, an unreadable extra). */
        TOKENIZER
    }

    public enum Kind {
        ROUTED,
        NO_POD,
        SHED,
        BAD_REQUEST
    }
}
