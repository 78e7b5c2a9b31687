package io.spillway.server.events;

import io.aeron.Publication;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The one message being published: built once, offered to every publication until each has taken it. Aeron answers
 * back pressure with a return value, so a message a publication refused stays here and is offered again on the
 * publisher's next duty cycle; meanwhile no newer message is built (order is per publication, and the data path keeps
 * coalescing into the pending keys).
 */
final class Outbox {
    private final List<Publication> publications;
    private final boolean[] delivered;
    final UnsafeBuffer buffer;
    private int length;
    private boolean full;
    private long backPressured;
    private long notConnected;
    private long failed;

    Outbox(List<Publication> publications, int maxMessageBytes) {
        this.publications = publications;
        this.delivered = new boolean[publications.size()];
        this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(maxMessageBytes));
    }

    /** Whether a message still waits for a publication to take it. */
    boolean busy() {
        return full;
    }

    /** Hands over the message just encoded into {@link #buffer}. */
    void load(int messageLength) {
        if (full) {
            throw new IllegalStateException("the previous message is not yet delivered");
        }
        length = messageLength;
        full = true;
        Arrays.fill(delivered, false);
    }

    /**
     * Offers the message to every publication that has not taken it; true once all have. A publication with no
     * subscriber ({@code NOT_CONNECTED}) counts as taken: a subscriber that connects later starts from a snapshot.
     */
    boolean offer() {
        if (!full) {
            return true;
        }
        boolean all = true;
        for (int i = 0; i < delivered.length; i++) {
            if (delivered[i]) {
                continue;
            }
            long result = publications.get(i).offer(buffer, 0, length);
            if (result > 0 || result == Publication.NOT_CONNECTED) {
                delivered[i] = true;
                if (result == Publication.NOT_CONNECTED) {
                    notConnected++;
                }
            } else if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION) {
                backPressured++;
                all = false;
            } else {
                failed++; // CLOSED or MAX_POSITION_EXCEEDED: this publication cannot take it, ever
                delivered[i] = true;
            }
        }
        if (all) {
            full = false;
        }
        return all;
    }

    long backPressured() {
        return backPressured;
    }

    long notConnected() {
        return notConnected;
    }

    long failed() {
        return failed;
    }
}
