package io.spillway.router.extproc;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's request objectives as GIE defines them: a request names its InferenceObjective in the
 * {@code x-gateway-inference-objective} header, and the objective's priority decides admission; an unknown or absent
 * objective has priority 0, as the reference picker's default. A priority below 0 is sheddable: only such
 * requests are refused with 429 when every candidate is saturated, the others are routed to the least loaded. The
 * router takes the objectives' priorities from its configuration ({@code --objective name=priority}) rather than
 * from InferenceObjective resources. The fairness id ({@code x-gateway-inference-fairness-id}, default
 * {@value #DEFAULT_FAIRNESS_ID}) names a flow for flow-control queueing, which the router does not do: it is read
 * and logged, not acted on.
 */
public final class Objectives {
    public static final String OBJECTIVE_HEADER = "x-gateway-inference-objective";
    public static final String FAIRNESS_HEADER = "x-gateway-inference-fairness-id";
    public static final String DEFAULT_FAIRNESS_ID = "default-flow";

    private final Map<String, Integer> priorities;

    private Objectives(Map<String, Integer> priorities) {
        this.priorities = Map.copyOf(priorities);
    }

    /** No objectives known: every request has priority 0. */
    public static Objectives none() {
        return new Objectives(Map.of());
    }

    /** {@code name=priority} entries, e.g. {@code batch=-1}; a bad entry is refused with its text. */
    public static Objectives parse(Iterable<String> entries) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("objective '" + e + "' must be name=priority");
            }
            String name = e.substring(0, eq).trim();
            try {
                if (m.put(name, Integer.parseInt(e.substring(eq + 1).trim())) != null) {
                    throw new IllegalArgumentException("objective '" + name + "' given twice");
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("objective '" + e + "': priority is not an integer", ex);
            }
        }
        return new Objectives(m);
    }

    /** The priority of the objective named {@code objective} (null or unknown: 0). */
    public int priority(String objective) {
        return objective == null ? 0 : priorities.getOrDefault(objective, 0);
    }

    @Override
    public String toString() {
        return priorities.toString();
    }
}
