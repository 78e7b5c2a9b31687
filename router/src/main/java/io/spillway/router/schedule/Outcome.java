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
 */
public record Outcome(Kind kind, Decision decision, String reason, long tokenizeNanos, long decideNanos,
                      SpeculativeBlocks.Ticket speculative) {
    public Outcome(Kind kind, Decision decision, String reason, long tokenizeNanos, long decideNanos) {
        this(kind, decision, reason, tokenizeNanos, decideNanos, null);
    }

    public enum Kind {
        ROUTED,
        NO_POD,
        SHED,
        BAD_REQUEST
    }
}
