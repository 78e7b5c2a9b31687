package io.spillway.tier.cpu;

/** Yields the processor whenever there was no work. */
final class YieldingIdleStrategy implements IdleStrategy {
    @Override
    public void idle(int workCount) {
        if (workCount == 0) {
            Thread.yield();
        }
    }

    @Override
    public void reset() {
    }

    @Override
    public String toString() {
        return "yielding";
    }
}
