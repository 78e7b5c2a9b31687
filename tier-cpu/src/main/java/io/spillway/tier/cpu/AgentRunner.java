package io.spillway.tier.cpu;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs one {@link Agent} on its own daemon thread: {@code onStart}, then {@code doWork} and {@code idle} until
 * closed, then {@code onClose}. An exception from the agent goes to the error handler and the loop carries on.
 */
final class AgentRunner implements AutoCloseable {
    private final Agent agent;
    private final IdleStrategy idleStrategy;
    private final Consumer<Throwable> errorHandler;
    private final Thread thread;
    private volatile boolean running = true;

    private AgentRunner(Agent agent, IdleStrategy idleStrategy, Consumer<Throwable> errorHandler) {
        this.agent = agent;
        this.idleStrategy = idleStrategy;
        this.errorHandler = errorHandler;
        this.thread = new Thread(this::run, agent.roleName());
        this.thread.setDaemon(true);
    }

    static AgentRunner start(Agent agent, IdleStrategy idleStrategy, Consumer<Throwable> errorHandler) {
        AgentRunner runner = new AgentRunner(agent, idleStrategy, errorHandler);
        runner.thread.start();
        return runner;
    }

    private void run() {
        try {
            agent.onStart();
        } catch (Throwable t) {
            errorHandler.accept(t);
            running = false;
        }
        while (running) {
            int work = 0;
            try {
                work = agent.doWork();
            } catch (Throwable t) {
                errorHandler.accept(t);
            }
            idleStrategy.idle(work);
        }
        try {
            agent.onClose();
        } catch (Throwable t) {
            errorHandler.accept(t);
        }
    }

    /** Stops the loop and waits up to {@code timeoutMillis} for the thread to finish its last duty cycle. */
    void close(long timeoutMillis) {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(timeoutMillis);
            if (thread.isAlive()) {
                thread.interrupt();
                errorHandler.accept(new IllegalStateException(
                    agent.roleName() + " did not stop within " + timeoutMillis + " ms; interrupted"));
                thread.join(TimeUnit.SECONDS.toMillis(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(TimeUnit.SECONDS.toMillis(5));
    }
}
