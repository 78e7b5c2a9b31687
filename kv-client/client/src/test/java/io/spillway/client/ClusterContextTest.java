package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cluster settings of {@link ClientContext}: defaults, properties, validation that names the bad value. */
class ClusterContextTest {

    @AfterEach
    void clear() {
        System.clearProperty(ClientContext.SEEDS_PROP);
        System.clearProperty(ClientContext.RETRY_DEADLINE_MS_PROP);
        System.clearProperty(ClientContext.MAP_REFRESH_INTERVAL_MS_PROP);
        System.clearProperty(ClientContext.READ_REPAIR_CONCURRENCY_PROP);
    }

    @Test
    void defaultsOutlastFailureDetection() {
        ClientContext c = ClientContext.builder().build();
        assertEquals(List.of(), c.seeds());
        assertEquals(Duration.ofSeconds(10), c.retryDeadline());
        assertEquals(Duration.ofMillis(10), c.retryBackoff());
        assertEquals(Duration.ofMillis(500), c.retryBackoffMax());
        assertEquals(Duration.ofSeconds(5), c.mapRefreshInterval());
        assertEquals(Duration.ofSeconds(1), c.deadNodeSkip());
        assertEquals(4, c.readRepairConcurrency());
    }

    @Test
    void systemPropertiesSetTheClusterSettings() {
        System.setProperty(ClientContext.SEEDS_PROP, " 10.0.0.1:7601, node-b.svc:7601 ,[::1]:7601");
        System.setProperty(ClientContext.RETRY_DEADLINE_MS_PROP, "2500");
        System.setProperty(ClientContext.MAP_REFRESH_INTERVAL_MS_PROP, "0");
        System.setProperty(ClientContext.READ_REPAIR_CONCURRENCY_PROP, "0");
        ClientContext c = ClientContext.fromSystemProperties().build();
        assertEquals(List.of("10.0.0.1:7601", "node-b.svc:7601", "[::1]:7601"), c.seeds());
        assertEquals(Duration.ofMillis(2500), c.retryDeadline());
        assertEquals(Duration.ZERO, c.mapRefreshInterval());
        assertEquals(0, c.readRepairConcurrency());
        assertEquals(c.seeds(), c.toBuilder().build().seeds());
    }

    private static void assertRejected(ClientContext.Builder b, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage());
        }
    }

    @Test
    void badSettingsAreRejectedNamingPropertyAndValue() {
        assertRejected(ClientContext.builder().seeds("10.0.0.1"), ClientContext.SEEDS_PROP, "'10.0.0.1'");
        assertRejected(ClientContext.builder().seeds("h:0"), ClientContext.SEEDS_PROP, "'h:0'");
        assertRejected(ClientContext.builder().seeds("h:port"), "'h:port'", "not a number");
        assertRejected(ClientContext.builder().retryDeadline(Duration.ZERO), ClientContext.RETRY_DEADLINE_MS_PROP);
        assertRejected(ClientContext.builder().retryBackoff(Duration.ofMillis(100), Duration.ofMillis(10)),
            ClientContext.RETRY_BACKOFF_MAX_MS_PROP, "10", "100");
        assertRejected(ClientContext.builder().mapRefreshInterval(Duration.ofMillis(-1)),
            ClientContext.MAP_REFRESH_INTERVAL_MS_PROP);
        assertRejected(ClientContext.builder().deadNodeSkip(Duration.ZERO), ClientContext.DEAD_NODE_SKIP_MS_PROP);
        assertRejected(ClientContext.builder().readRepairConcurrency(-1),
            ClientContext.READ_REPAIR_CONCURRENCY_PROP, "-1");
    }

    @Test
    void connectClusterWithoutSeedsSaysWhatIsMissing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> KvClient.connectCluster(ClientContext.builder().build()));
        assertTrue(e.getMessage().contains(ClientContext.SEEDS_PROP), e.getMessage());
    }
}
