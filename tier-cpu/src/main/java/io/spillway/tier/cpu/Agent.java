package io.spillway.tier.cpu;

/**
 * A unit of background work that never blocks: a duty cycle calls {@link #doWork()} again and again and idles when
 * it returns 0. Run by a dedicated thread ({@link ThreadingMode#DEDICATED}) or by the owner's own duty cycle
 * ({@link ThreadingMode#INVOKER}).
 */
public interface Agent {
    /** Called once, on the thread that will call {@link #doWork()}, before the first call. */
    default void onStart() {
    }

    /**
     * Does a bounded amount of work.
     *
     * @return how much work was done; 0 tells the caller it may idle
     */
    int doWork();

    /** Called once, on the duty-cycle thread, after the last call to {@link #doWork()}. */
    default void onClose() {
    }

    /** A short name for the agent's role, used as its thread name. */
    String roleName();
}
