package io.spillway.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The caps of one listener: in all and per peer address, each refusal counted under its name, slots given back. */
class ConnectionQuotaTest {
    private final ListenerCounters counters = new ListenerCounters("data");
    private final ConnectionQuota quota = new ConnectionQuota(new ListenerLimits("data", 4, 3, 0, 0), counters);

    @Test
    void aPeerIsCappedBeforeTheListenerAndSlotsComeBack() throws Exception {
        InetAddress a = InetAddress.getByName("10.0.0.1");
        InetAddress b = InetAddress.getByName("10.0.0.2");
        for (int i = 0; i < 3; i++) {
            assertNull(quota.admit(a));
        }
        assertEquals(ListenerCounters.Refusal.PEER_LIMIT, quota.admit(a), "a's fourth connection");
        assertNull(quota.admit(b));
        assertEquals(ListenerCounters.Refusal.NODE_LIMIT, quota.admit(b), "the listener's fifth connection");
        assertEquals(4, counters.active());
        assertEquals(4, counters.peak());
        assertEquals(1, counters.refused(ListenerCounters.Refusal.PEER_LIMIT));
        assertEquals(1, counters.refused(ListenerCounters.Refusal.NODE_LIMIT));

        quota.release(a);
        assertNull(quota.admit(b), "a slot given back is taken again");
        quota.release(b);
        quota.release(b);
        assertEquals(1, quota.peers(), "b's entry leaves with its last connection");
        quota.release(a);
        quota.release(a);
        assertEquals(0, quota.peers());
        assertEquals(0, counters.active());
        assertEquals(4, counters.peak(), "the peak stays");
    }
}
