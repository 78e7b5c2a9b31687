package io.spillway.router.schedule;

import io.spillway.placement.routing.Decision;

/**
 * What a front does with a request: send it ({@link Kind#ROUTED}, with the decision), or answer it itself —
 * {@link Kind#NO_POD} (503: no ready pod), {@link Kind#SHED} (429: every candidate saturated), {@link Kind#BAD_REQUEST}
 * (400: a body the router cannot read).
 *
 * @param decision      the decision, when routed
 * @param reason        why not routed, or the tokenizer's complaint when it routed without prefix knowledge
 * @param tokenizeNanos time spent tokenizing and keying
 * @param decideNanos   time spent matching, scoring and picking
 */
public record Outcome(Kind kind, Decision decision, String reason, long tokenizeNanos, long decideNanos) {
    public enum Kind {
        ROUTED,
        NO_POD,
        SHED,
        BAD_REQUEST
    }
}
