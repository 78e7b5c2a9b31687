package io.spillway.placement.routing;

/** A scorer that learns from what was decided (the no-hit spreader remembers where cold requests went). */
public interface DecisionListener {
    /** {@code pod} was given a request; {@code cold} when no candidate had any of its prefix. */
    void picked(Pod pod, boolean cold);
}
