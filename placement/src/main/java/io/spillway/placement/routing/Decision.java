package io.spillway.placement.routing;

import java.util.List;

/**
 * Where a request goes: the pod that serves it (decode, or the whole request when not split), the pod that
 * prefills it when split, the other candidates in fallback order, and why.
 *
 * @param pod          the serving pod, or null when none was ready
 * @param prefill      the prefill pod of a split request, or null
 * @param fallbacks    the serving candidates best first, {@code pod} leading (an ordered list for {@code envoy.lb})
 * @param hitTokens    prompt tokens the serving pod need not prefill
 * @param uncachedTokens prompt tokens left to prefill on the serving pod
 * @param cold         no candidate held any of the prompt's prefix
 * @param scores       per serving candidate and scorer, for the debug view
 */
public record Decision(Pod pod, Pod prefill, List<Pod> fallbacks, double hitTokens, double uncachedTokens,
                       boolean cold, List<PodScores> scores) {
    /** One candidate's scores: per scorer type, and the weighted total. */
    public record PodScores(String pod, java.util.Map<String, Double> byScorer, double total) {
    }

    public boolean routed() {
        return pod != null;
    }

    public boolean split() {
        return prefill != null;
    }
}
