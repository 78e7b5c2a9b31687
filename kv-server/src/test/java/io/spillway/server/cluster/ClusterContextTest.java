package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.config.PropertySources;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cluster settings: defaults, layering through the environment's names, and errors that name the value. */
class ClusterContextTest {
    private static final Path WORK = Path.of("target/ignite");

    @Test
    void defaults() {
        ClusterContext c = ClusterContext.defaults(WORK);
        assertFalse(c.enabled());
        assertEquals("default", c.zone());
        assertEquals(1024, c.partitions());
        assertEquals(1, c.replication());
        assertEquals(3, c.maxReplication());
        assertEquals(ClusterContext.Discovery.STATIC, c.discovery());
        assertEquals(List.of("127.0.0.1:47500..47509"), c.seeds());
        assertEquals(47500, c.discoveryPort());
        assertEquals(47100, c.communicationPort());
        assertEquals(10_000, c.failureDetectionTimeoutMs());
        assertEquals("10.1.2.3-7600", c.nodeName("10.1.2.3", 7600));
        assertTrue(c.quorum());
        assertEquals(4000, c.rejoinBackoffMaxMs());
        assertTrue(c.advertiseDataPort().isEmpty(), "the bound data port is advertised unless told otherwise");
    }

    @Test
    void anAdvertisedDataPortIsReadAndChecked() {
        ClusterContext c = ClusterContext.from(Map.of(ClusterContext.ADVERTISE_DATA_PORT_PROP, "7100"), Map.of(), WORK);
        assertEquals(7100, c.advertiseDataPort().getAsInt());
        assertMessage(Map.of(ClusterContext.ADVERTISE_DATA_PORT_PROP, "0"), "spillway.cluster.advertiseDataPort");
        assertMessage(Map.of(ClusterContext.ADVERTISE_DATA_PORT_PROP, "70000"), "spillway.cluster.advertiseDataPort");
    }

    @Test
    void partitionSettingsAreReadAndChecked() {
        ClusterContext c = ClusterContext.from(Map.of(ClusterContext.QUORUM_PROP, "false",
            ClusterContext.REJOIN_BACKOFF_MAX_MS_PROP, "2000"), Map.of(), WORK);
        assertFalse(c.quorum());
        assertEquals(2000, c.rejoinBackoffMaxMs());
        assertMessage(Map.of(ClusterContext.REJOIN_BACKOFF_MAX_MS_PROP, "50"), "spillway.cluster.rejoinBackoffMaxMs");
        assertMessage(Map.of(ClusterContext.QUORUM_PROP, "maybe"), "spillway.cluster.quorum");
    }

    @Test
    void kubernetesSettingsComeFromTheEnvironmentToo() {
        PropertySources sources = new PropertySources().environment(Map.of(
            "SPILLWAY_CLUSTER_DISCOVERY", "kubernetes",
            "SPILLWAY_CLUSTER_K8S_SERVICE_NAME", "spillway-headless",
            "SPILLWAY_CLUSTER_K8S_INCLUDE_NOT_READY_ADDRESSES", "true",
            "SPILLWAY_CLUSTER_NODE_NAME", "pod-0"));
        ClusterContext c = ClusterContext.from(sources.values(), Map.of(), WORK);
        assertEquals(ClusterContext.Discovery.KUBERNETES, c.discovery());
        assertEquals("spillway-headless", c.k8sServiceName());
        assertTrue(c.k8sIncludeNotReadyAddresses());
        assertEquals("pod-0", c.nodeName("h", 1));
    }

    @Test
    void badValuesAreRejectedWithTheirName() {
        assertMessage(Map.of(ClusterContext.REPLICATION_PROP, "4"), "spillway.cluster.replication=4 exceeds");
        assertMessage(Map.of(ClusterContext.SEEDS_PROP, "localhost"), "'localhost' must be host:port");
        assertMessage(Map.of(ClusterContext.SEEDS_PROP, "h:47509..47500"), "bad port or port range '47509..47500'");
        assertMessage(Map.of(ClusterContext.PARTITIONS_PROP, "0"), "spillway.cluster.partitions");
        assertMessage(Map.of("spillway.cluster.zones", "a"), "unknown setting 'spillway.cluster.zones'");
        assertMessage(Map.of(ClusterContext.DISCOVERY_PROP, "kubernetes", ClusterContext.K8S_MASTER_URL_PROP,
            "http://api:80"), "must be an https:// URL");
        assertMessage(Map.of(ClusterContext.COMMUNICATION_PORT_PROP, "47505"), "overlap");
    }

    private static void assertMessage(Map<String, String> values, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ClusterContext.from(values, Map.of(), WORK));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
