package io.spillway.tier.cpu;

/** Who runs the tier's demotion {@link Agent}. */
public enum ThreadingMode {
    /** The tier starts one thread that runs the agent with the context's {@link IdleStrategy}. */
    DEDICATED,
    /** No thread: the owner calls {@code demotionAgent().doWork()} from its own duty cycle (tests do so by hand). */
    INVOKER
}
