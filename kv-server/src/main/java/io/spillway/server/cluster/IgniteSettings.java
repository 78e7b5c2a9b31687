package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.configuration.Factory;
import javax.net.ssl.SSLContext;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheRebalanceMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.configuration.SystemDataRegionConfiguration;
import org.apache.ignite.events.Event;
import org.apache.ignite.failure.StopNodeFailureHandler;
import org.apache.ignite.kubernetes.configuration.KubernetesConnectionConfiguration;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.ignite.logger.java.JavaLogger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.TcpDiscoveryIpFinder;
import org.apache.ignite.spi.discovery.tcp.ipfinder.kubernetes.TcpDiscoveryKubernetesIpFinder;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

/**
 * The embedded Ignite node's configuration: membership only. No persistence, no peer class loading, no client
 * connector or REST listener (only discovery and communication ports are opened), small memory
 * regions and thread pools, work files under the node's data dir, quiet logs (JUL {@code org.apache.ignite} at
 * WARNING unless configured otherwise, no banner, no update check), and Spillway's node facts as user attributes.
 */
final class IgniteSettings {
    static final String NAMESPACE_CACHE = "spillway-namespaces";
    static final String TENANT_CACHE = "spillway-tenants";
    static final String ATTR_NODE = "spillway.node";
    static final String ATTR_HOST = "spillway.host";
    static final String ATTR_DATA_PORT = "spillway.dataPort";
    static final String ATTR_CONTROL_PORT = "spillway.controlPort";
    static final String ATTR_HTTP_PORT = "spillway.httpPort";
    private static final long MIB = 1L << 20;

    private IgniteSettings() {
    }

    static IgniteConfiguration configuration(ClusterContext c, NodeInfo self, IgnitePredicate<Event> onTopology,
                                             JoinSecret joinSecret, Factory<SSLContext> tls) {
        quiet();
        UUID nodeId = UUID.randomUUID(); // chosen here so that the join proof can name it
        Map<String, Object> attributes = new HashMap<>(Map.of(AffinityNode.ZONE_ATTRIBUTE, self.zone(), ATTR_NODE,
            self.id(), ATTR_HOST, self.host(), ATTR_DATA_PORT, self.dataPort(), ATTR_CONTROL_PORT, self.controlPort(),
            ATTR_HTTP_PORT, self.httpPort()));
        if (joinSecret.configured()) {
            attributes.put(JoinSecret.ATTR_PROOF, joinSecret.proof(nodeId));
        }
        TcpDiscoverySpi discovery = new TcpDiscoverySpi().setIpFinder(ipFinder(c)).setLocalAddress(self.host())
            .setLocalPort(c.discoveryPort()).setLocalPortRange(c.discoveryPortRange());
        TcpCommunicationSpi communication = new TcpCommunicationSpi().setLocalAddress(self.host())
            .setLocalPort(c.communicationPort()).setLocalPortRange(c.communicationPortRange());
        DataStorageConfiguration storage = new DataStorageConfiguration()
            .setDefaultDataRegionConfiguration(new DataRegionConfiguration().setName("spillway-metadata")
                .setPersistenceEnabled(false).setInitialSize(16 * MIB).setMaxSize(64 * MIB))
            .setSystemDataRegionConfiguration(new SystemDataRegionConfiguration().setInitialSize(16 * MIB)
                .setMaxSize(32 * MIB));
        CacheConfiguration<String, String> namespaces = metadataCache(NAMESPACE_CACHE);
        CacheConfiguration<String, String> tenants = metadataCache(TENANT_CACHE);
        Logger jul = Logger.getLogger("org.apache.ignite");
        if (jul.getLevel() == null) {
            jul.setLevel(Level.WARNING);
        }
        IgniteConfiguration cfg = new IgniteConfiguration();
        if (tls != null) {
            cfg.setSslContextFactory(tls);
        }
        return cfg
            .setIgniteInstanceName("spillway-" + self.id())
            .setNodeId(nodeId)
            .setPluginProviders(joinSecret)
            .setConsistentId(self.id())
            .setLocalHost(self.host())
            .setWorkDirectory(c.workDirectory().toAbsolutePath().toString())
            .setGridLogger(new JavaLogger(jul, false))
            .setPeerClassLoadingEnabled(false)
            // no thin-client/JDBC connector (10800+) and no TCP REST (11211+): both are open by default and let
            // anything that reaches a member read and rewrite the metadata caches past Spillway's checks
            .setClientConnectorConfiguration(null)
            .setConnectorConfiguration(null)
            .setMetricsLogFrequency(0)
            .setFailureDetectionTimeout(c.failureDetectionTimeoutMs())
            .setClientFailureDetectionTimeout(Math.max(c.failureDetectionTimeoutMs(), 30_000))
            .setFailureHandler(new StopNodeFailureHandler())
            .setUserAttributes(attributes)
            .setDiscoverySpi(discovery)
            .setCommunicationSpi(communication)
            .setDataStorageConfiguration(storage)
            .setCacheConfiguration(namespaces, tenants)
            .setIncludeEventTypes(IgniteMembership.TOPOLOGY_EVENTS)
            .setLocalEventListeners(Map.of(onTopology, IgniteMembership.TOPOLOGY_EVENTS))
            .setPublicThreadPoolSize(2).setSystemThreadPoolSize(2).setStripedPoolSize(2)
            .setServiceThreadPoolSize(1).setManagementThreadPoolSize(1).setPeerClassLoadingThreadPoolSize(1)
            .setDataStreamerThreadPoolSize(1).setUtilityCachePoolSize(2).setQueryThreadPoolSize(1)
            .setAsyncCallbackPoolSize(1).setRebalanceThreadPoolSize(1).setSnapshotThreadPoolSize(1)
            .setBuildIndexThreadPoolSize(1);
    }

    private static TcpDiscoveryIpFinder ipFinder(ClusterContext c) {
        if (c.discovery() == ClusterContext.Discovery.KUBERNETES) {
            return new TcpDiscoveryKubernetesIpFinder(new KubernetesConnectionConfiguration()
                .setMasterUrl(c.k8sMasterUrl()).setNamespace(c.k8sNamespace()).setServiceName(c.k8sServiceName())
                .setAccountToken(c.k8sAccountToken()).setIncludeNotReadyAddresses(c.k8sIncludeNotReadyAddresses())
                .setDiscoveryPort(c.discoveryPort()));
        }
        return new TcpDiscoveryVmIpFinder().setAddresses(c.seeds());
    }

    /**
     * Ignite reads these once, from system properties: no console banner or ASCII logo, no update notifier, no
     * shutdown hook of its own (SpillwayServer leaves in order).
     * Set only where the operator has not set them.
     */
    private static void quiet() {
        for (String p : new String[] {"IGNITE_QUIET", "IGNITE_NO_ASCII", "IGNITE_NO_SHUTDOWN_HOOK",
            "IGNITE_PERFORMANCE_SUGGESTIONS_DISABLED"}) {
            if (System.getProperty(p) == null) {
                System.setProperty(p, "true");
            }
        }
        if (System.getProperty("IGNITE_UPDATE_NOTIFIER") == null) {
            System.setProperty("IGNITE_UPDATE_NOTIFIER", "false");
        }
    }

    /** The member as the map lists it, from its attributes; null for nodes that are not Spillway servers. */
    /** A small metadata cache on every member: replicated, transactional, written synchronously everywhere. */
    private static CacheConfiguration<String, String> metadataCache(String name) {
        return new CacheConfiguration<String, String>(name)
            .setCacheMode(CacheMode.REPLICATED).setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL)
            .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
            .setRebalanceMode(CacheRebalanceMode.SYNC);
    }

    static NodeInfo nodeInfo(ClusterNode n) {
        if (n.isClient() || n.attribute(ATTR_NODE) == null) {
            return null;
        }
        return new NodeInfo(n.attribute(ATTR_NODE), n.attribute(AffinityNode.ZONE_ATTRIBUTE), n.attribute(ATTR_HOST),
            n.<Integer>attribute(ATTR_DATA_PORT), n.<Integer>attribute(ATTR_CONTROL_PORT),
            n.<Integer>attribute(ATTR_HTTP_PORT));
    }
}
