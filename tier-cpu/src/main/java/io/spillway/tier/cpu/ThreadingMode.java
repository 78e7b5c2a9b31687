package io.spillway.tier.cpu;

/** Who runs the tier's demotion agent (an Agrona {@code Agent}, {@link CpuTier#demotionAgent()}). */
public enum ThreadingMode {
    /**
     * The tier starts one daemon thread, named after the agent's role, that runs the agent on an Agrona
     * {@code AgentRunner} with the context's idle strategy ({@link CpuTierContext#idleStrategy()}).
     */
    DEDICATED,
    /** No thread: the owner calls {@code demotionAgent().doWork()} from its own duty cycle (tests do so by hand). */
    INVOKER
}
