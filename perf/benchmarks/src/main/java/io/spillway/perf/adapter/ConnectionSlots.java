package io.spillway.perf.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A fixed set of connections shared by the workers: a request takes one, uses it alone, and gives it back, so a
 * target never has more requests in flight than connections (as a Spillway client with n connections does not).
 */
final class ConnectionSlots<C extends AutoCloseable> implements AutoCloseable {
    private final BlockingQueue<C> idle;
    private final List<C> all;

    ConnectionSlots(List<C> connections) {
        this.all = new ArrayList<>(connections);
        this.idle = new ArrayBlockingQueue<>(Math.max(1, connections.size()), false, connections);
    }

    C take() throws InterruptedException {
        return idle.take();
    }

    void giveBack(C connection) {
        idle.add(connection);
    }

    @Override
    public void close() {
        for (C c : all) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing on the way out: nothing left to do with it
            }
        }
    }
}
