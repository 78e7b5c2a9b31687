package io.spillway.server.cluster;

import io.spillway.config.PropertyReader;
import io.spillway.config.PropertySources;
import io.spillway.server.SettingsSection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code spillway.cluster.*} settings of one node: whether it joins a cluster, its stable name and zone, the
 * partition map's shape and how members find each other. Read through the node's layered settings (defaults &lt;
 * file &lt; environment &lt; flags, see {@code ServerContext}); every error names the property, the value and where it
 * came from. The {@code k8s.*} names can also be given in the environment's one-word form
 * ({@code SPILLWAY_CLUSTER_K8S_MASTER_URL}, read as {@code spillway.cluster.k8sMasterUrl}).
 */
public final class ClusterContext {
    /** How members find each other. */
    public enum Discovery { STATIC, KUBERNETES }

    public static final String PREFIX = "spillway.cluster.";
    public static final String ENABLED_PROP = PREFIX + "enabled";
    public static final boolean ENABLED_DEFAULT = false;
    public static final String NODE_NAME_PROP = PREFIX + "nodeName";
    public static final String ZONE_PROP = PREFIX + "zone";
    public static final String ZONE_DEFAULT = "default";
    public static final String ADVERTISE_HOST_PROP = PREFIX + "advertiseHost";
    /** The data port peers and clients dial, when it is not the one the node binds (a port mapping, a proxy). */
    public static final String ADVERTISE_DATA_PORT_PROP = PREFIX + "advertiseDataPort";
    public static final String PARTITIONS_PROP = PREFIX + "partitions";
    public static final int PARTITIONS_DEFAULT = 1024;
    public static final String REPLICATION_PROP = PREFIX + "replication";
    public static final int REPLICATION_DEFAULT = 1;
    public static final String MAX_REPLICATION_PROP = PREFIX + "maxReplication";
    public static final int MAX_REPLICATION_DEFAULT = 3;
    public static final String DISCOVERY_PROP = PREFIX + "discovery";
    public static final Discovery DISCOVERY_DEFAULT = Discovery.STATIC;
    public static final String SEEDS_PROP = PREFIX + "seeds";
    public static final String SEEDS_DEFAULT = "127.0.0.1:47500..47509";
    public static final String DISCOVERY_PORT_PROP = PREFIX + "discoveryPort";
    public static final int DISCOVERY_PORT_DEFAULT = 47500;
    public static final String DISCOVERY_PORT_RANGE_PROP = PREFIX + "discoveryPortRange";
    public static final int DISCOVERY_PORT_RANGE_DEFAULT = 10;
    public static final String COMMUNICATION_PORT_PROP = PREFIX + "communicationPort";
    public static final int COMMUNICATION_PORT_DEFAULT = 47100;
    public static final String COMMUNICATION_PORT_RANGE_PROP = PREFIX + "communicationPortRange";
    public static final int COMMUNICATION_PORT_RANGE_DEFAULT = 10;
    public static final String FAILURE_DETECTION_TIMEOUT_MS_PROP = PREFIX + "failureDetectionTimeoutMs";
    public static final long FAILURE_DETECTION_TIMEOUT_MS_DEFAULT = 10_000;
    public static final String STATUS_TIMEOUT_MS_PROP = PREFIX + "statusTimeoutMs";
    public static final long STATUS_TIMEOUT_MS_DEFAULT = 1000;
    public static final String HANDOFF_TIMEOUT_MS_PROP = PREFIX + "handoffTimeoutMs";
    public static final long HANDOFF_TIMEOUT_MS_DEFAULT = 30_000;
    public static final String REBALANCE_PROP = PREFIX + "rebalance";
    public static final boolean REBALANCE_DEFAULT = true;
    /**
     * The topology validator (docs/cluster.md, "Partitions"): a member serves only while its view holds a majority
     * of the last stable membership, and rejoins on its own when it does not. false: every view serves (a
     * segmented member still rejoins).
     */
    public static final String QUORUM_PROP = PREFIX + "quorum";
    public static final boolean QUORUM_DEFAULT = true;
    /** Longest wait between two restarts of the embedded Ignite node while a member rejoins the majority. */
    public static final String REJOIN_BACKOFF_MAX_MS_PROP = PREFIX + "rejoinBackoffMaxMs";
    public static final long REJOIN_BACKOFF_MAX_MS_DEFAULT = 4000;
    /**
     * A file holding the cluster's join secret (at least 16 characters): members refuse a node that cannot show it.
     * Unset: any node that reaches the discovery port may join (a warning at start-up).
     */
    public static final String JOIN_SECRET_FILE_PROP = PREFIX + "joinSecretFile";
    /**
     * Ignite's discovery and communication over mutual TLS: this member's certificate and key (a PKCS#12 key store),
     * and the certificates it trusts (a PKCS#12 trust store); each store's password in a file. All four or none.
     */
    public static final String TLS_KEY_STORE_PROP = PREFIX + "tls.keyStore";
    public static final String TLS_KEY_STORE_PASSWORD_FILE_PROP = PREFIX + "tls.keyStorePasswordFile";
    public static final String TLS_TRUST_STORE_PROP = PREFIX + "tls.trustStore";
    public static final String TLS_TRUST_STORE_PASSWORD_FILE_PROP = PREFIX + "tls.trustStorePasswordFile";
    public static final String K8S_MASTER_URL_PROP = PREFIX + "k8s.masterUrl";
    public static final String K8S_MASTER_URL_DEFAULT = "https://kubernetes.default.svc.cluster.local:443";
    public static final String K8S_NAMESPACE_PROP = PREFIX + "k8s.namespace";
    public static final String K8S_NAMESPACE_DEFAULT = "default";
    public static final String K8S_SERVICE_NAME_PROP = PREFIX + "k8s.serviceName";
    public static final String K8S_SERVICE_NAME_DEFAULT = "spillway";
    public static final String K8S_ACCOUNT_TOKEN_PROP = PREFIX + "k8s.accountToken";
    public static final String K8S_ACCOUNT_TOKEN_DEFAULT = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    public static final String K8S_INCLUDE_NOT_READY_PROP = PREFIX + "k8s.includeNotReadyAddresses";
    public static final boolean K8S_INCLUDE_NOT_READY_DEFAULT = false;

    /** Largest owner list a map carries (and so the largest replication factor). */
    public static final int MAX_OWNERS = 16;

    /** Cluster settings and their defaults, in documentation order ({@code null}: derived, see the getters). */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(ENABLED_PROP, String.valueOf(ENABLED_DEFAULT));
        d.put(NODE_NAME_PROP, null);
        d.put(ZONE_PROP, ZONE_DEFAULT);
        d.put(ADVERTISE_HOST_PROP, null);
        d.put(ADVERTISE_DATA_PORT_PROP, null);
        d.put(PARTITIONS_PROP, String.valueOf(PARTITIONS_DEFAULT));
        d.put(REPLICATION_PROP, String.valueOf(REPLICATION_DEFAULT));
        d.put(MAX_REPLICATION_PROP, String.valueOf(MAX_REPLICATION_DEFAULT));
        d.put(DISCOVERY_PROP, DISCOVERY_DEFAULT.name().toLowerCase(Locale.ROOT));
        d.put(SEEDS_PROP, SEEDS_DEFAULT);
        d.put(DISCOVERY_PORT_PROP, String.valueOf(DISCOVERY_PORT_DEFAULT));
        d.put(DISCOVERY_PORT_RANGE_PROP, String.valueOf(DISCOVERY_PORT_RANGE_DEFAULT));
        d.put(COMMUNICATION_PORT_PROP, String.valueOf(COMMUNICATION_PORT_DEFAULT));
        d.put(COMMUNICATION_PORT_RANGE_PROP, String.valueOf(COMMUNICATION_PORT_RANGE_DEFAULT));
        d.put(FAILURE_DETECTION_TIMEOUT_MS_PROP, String.valueOf(FAILURE_DETECTION_TIMEOUT_MS_DEFAULT));
        d.put(STATUS_TIMEOUT_MS_PROP, String.valueOf(STATUS_TIMEOUT_MS_DEFAULT));
        d.put(HANDOFF_TIMEOUT_MS_PROP, String.valueOf(HANDOFF_TIMEOUT_MS_DEFAULT));
        d.put(REBALANCE_PROP, String.valueOf(REBALANCE_DEFAULT));
        d.put(QUORUM_PROP, String.valueOf(QUORUM_DEFAULT));
        d.put(REJOIN_BACKOFF_MAX_MS_PROP, String.valueOf(REJOIN_BACKOFF_MAX_MS_DEFAULT));
        d.put(JOIN_SECRET_FILE_PROP, null);
        d.put(TLS_KEY_STORE_PROP, null);
        d.put(TLS_KEY_STORE_PASSWORD_FILE_PROP, null);
        d.put(TLS_TRUST_STORE_PROP, null);
        d.put(TLS_TRUST_STORE_PASSWORD_FILE_PROP, null);
        d.put(K8S_MASTER_URL_PROP, K8S_MASTER_URL_DEFAULT);
        d.put(K8S_NAMESPACE_PROP, K8S_NAMESPACE_DEFAULT);
        d.put(K8S_SERVICE_NAME_PROP, K8S_SERVICE_NAME_DEFAULT);
        d.put(K8S_ACCOUNT_TOKEN_PROP, K8S_ACCOUNT_TOKEN_DEFAULT);
        d.put(K8S_INCLUDE_NOT_READY_PROP, String.valueOf(K8S_INCLUDE_NOT_READY_DEFAULT));
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final boolean enabled;
    private final String nodeName;
    private final String zone;
    private final String advertiseHost;
    private final int advertiseDataPort; // 0: the bound one
    private final int partitions;
    private final int replication;
    private final int maxReplication;
    private final Discovery discovery;
    private final List<String> seeds;
    private final int discoveryPort;
    private final int discoveryPortRange;
    private final int communicationPort;
    private final int communicationPortRange;
    private final long failureDetectionTimeoutMs;
    private final long statusTimeoutMs;
    private final long handoffTimeoutMs;
    private final boolean rebalance;
    private final boolean quorum;
    private final long rejoinBackoffMaxMs;
    private final Path joinSecretFile;
    private final MemberTls tls;
    private final String k8sMasterUrl;
    private final String k8sNamespace;
    private final String k8sServiceName;
    private final String k8sAccountToken;
    private final boolean k8sIncludeNotReadyAddresses;
    private final Path workDirectory;

    private ClusterContext(PropertyReader r, Path workDirectory) {
        this.enabled = r.bool(ENABLED_PROP).orElseThrow();
        this.nodeName = r.string(NODE_NAME_PROP).orElse(null);
        this.zone = r.string(ZONE_PROP).orElseThrow();
        this.advertiseHost = r.string(ADVERTISE_HOST_PROP).orElse(null);
        this.advertiseDataPort = r.intValue(ADVERTISE_DATA_PORT_PROP, 1, 65535).orElse(0);
        this.partitions = r.intValue(PARTITIONS_PROP, 1, 65_000).orElseThrow();
        this.maxReplication = r.intValue(MAX_REPLICATION_PROP, 1, MAX_OWNERS).orElseThrow();
        this.replication = r.intValue(REPLICATION_PROP, 1, MAX_OWNERS).orElseThrow();
        this.discovery = r.enumValue(DISCOVERY_PROP, Discovery.class).orElseThrow();
        this.seeds = seeds(r.string(SEEDS_PROP).orElseThrow());
        this.discoveryPort = r.intValue(DISCOVERY_PORT_PROP, 1, 65535).orElseThrow();
        this.discoveryPortRange = r.intValue(DISCOVERY_PORT_RANGE_PROP, 0, 1000).orElseThrow();
        this.communicationPort = r.intValue(COMMUNICATION_PORT_PROP, 1, 65535).orElseThrow();
        this.communicationPortRange = r.intValue(COMMUNICATION_PORT_RANGE_PROP, 0, 1000).orElseThrow();
        this.failureDetectionTimeoutMs = r.longValue(FAILURE_DETECTION_TIMEOUT_MS_PROP, 200, 600_000).orElseThrow();
        this.statusTimeoutMs = r.longValue(STATUS_TIMEOUT_MS_PROP, 10, 60_000).orElseThrow();
        this.handoffTimeoutMs = r.longValue(HANDOFF_TIMEOUT_MS_PROP, 0, 3_600_000).orElseThrow();
        this.rebalance = r.bool(REBALANCE_PROP).orElseThrow();
        this.quorum = r.bool(QUORUM_PROP).orElseThrow();
        this.rejoinBackoffMaxMs = r.longValue(REJOIN_BACKOFF_MAX_MS_PROP, 100, 600_000).orElseThrow();
        this.joinSecretFile = r.string(JOIN_SECRET_FILE_PROP).map(Path::of).orElse(null);
        this.tls = MemberTls.of(r.string(TLS_KEY_STORE_PROP).map(Path::of).orElse(null),
            r.string(TLS_KEY_STORE_PASSWORD_FILE_PROP).map(Path::of).orElse(null),
            r.string(TLS_TRUST_STORE_PROP).map(Path::of).orElse(null),
            r.string(TLS_TRUST_STORE_PASSWORD_FILE_PROP).map(Path::of).orElse(null));
        this.k8sMasterUrl = r.string(K8S_MASTER_URL_PROP).orElseThrow();
        this.k8sNamespace = r.string(K8S_NAMESPACE_PROP).orElseThrow();
        this.k8sServiceName = r.string(K8S_SERVICE_NAME_PROP).orElseThrow();
        this.k8sAccountToken = r.string(K8S_ACCOUNT_TOKEN_PROP).orElseThrow();
        this.k8sIncludeNotReadyAddresses = r.bool(K8S_INCLUDE_NOT_READY_PROP).orElseThrow();
        this.workDirectory = workDirectory;
        if (replication > maxReplication) {
            throw new IllegalArgumentException(REPLICATION_PROP + "=" + replication + " exceeds " + MAX_REPLICATION_PROP + "="
                + maxReplication + " (the owner list is only that long)");
        }
        if (discovery == Discovery.KUBERNETES && !k8sMasterUrl.toLowerCase(Locale.ROOT).startsWith("https://")) {
            throw new IllegalArgumentException(K8S_MASTER_URL_PROP + "='" + k8sMasterUrl + "' must be an https:// URL "
                + "(Ignite's Kubernetes IP finder only speaks HTTPS)");
        }
        int dEnd = discoveryPort + discoveryPortRange;
        int cEnd = communicationPort + communicationPortRange;
        if (dEnd > 65535 || cEnd > 65535) {
            throw new IllegalArgumentException("port range past 65535: " + DISCOVERY_PORT_PROP + "=" + discoveryPort + "+"
                + discoveryPortRange + ", " + COMMUNICATION_PORT_PROP + "=" + communicationPort + "+"
                + communicationPortRange);
        }
        if (discoveryPort <= cEnd && communicationPort <= dEnd) {
            throw new IllegalArgumentException("discovery ports " + discoveryPort + ".." + dEnd
                + " overlap communication ports " + communicationPort + ".." + cEnd);
        }
    }

    /**
     * Reads the {@code spillway.cluster.*} entries of {@code values} (other keys are ignored); unknown cluster keys
     * are rejected. {@code workDirectory} is where Ignite keeps its work files (under the node's data dir).
     */
    public static ClusterContext from(Map<String, String> values, Map<String, String> origins, Path workDirectory) {
        return new ClusterContext(SettingsSection.read(PREFIX, DEFAULTS, values, origins,
            ClusterContext::canonical), workDirectory);
    }

    /** Defaults only (a standalone node), with Ignite's work files under {@code workDirectory}. */
    public static ClusterContext defaults(Path workDirectory) {
        return from(Map.of(), Map.of(), workDirectory);
    }

    /** The documented name of {@code key}, accepting the environment's one-word {@code k8s} form; null if unknown. */
    static String canonical(String key) {
        if (DEFAULTS.containsKey(key)) {
            return key;
        }
        for (String known : DEFAULTS.keySet()) {
            if (key.equals(PropertySources.propertyName(PropertySources.envName(known)))) {
                return known;
            }
        }
        return null;
    }

    private static List<String> seeds(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String a = part.trim();
            if (a.isEmpty()) {
                continue;
            }
            int colon = a.lastIndexOf(':');
            if (colon <= 0 || colon == a.length() - 1) {
                throw new IllegalArgumentException(SEEDS_PROP + ": '" + a + "' must be host:port or host:port..port");
            }
            String ports = a.substring(colon + 1);
            try {
                String[] range = ports.split("\\.\\.", -1);
                int from = Integer.parseInt(range[0]);
                int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
                if (range.length > 2 || from < 1 || to > 65535 || to < from) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SEEDS_PROP + ": '" + a + "' has a bad port or port range '" + ports
                    + "' (like 47500 or 47500..47509)");
            }
            out.add(a);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(SEEDS_PROP + " must list at least one host:port");
        }
        return List.copyOf(out);
    }

    public boolean enabled() { return enabled; }
    /** The configured node name, if any ({@link #nodeName(String, int)} derives the default). */
    public Optional<String> configuredNodeName() { return Optional.ofNullable(nodeName); }
    public String zone() { return zone; }
    public Optional<String> advertiseHost() { return Optional.ofNullable(advertiseHost); }
    public OptionalInt advertiseDataPort() {
        return advertiseDataPort == 0 ? OptionalInt.empty() : OptionalInt.of(advertiseDataPort);
    }
    public int partitions() { return partitions; }
    /** Default replication factor of a namespace registered without one. */
    public int replication() { return replication; }
    /** Length of each partition's owner list: the largest replication factor a namespace may ask for. */
    public int maxReplication() { return maxReplication; }
    public Discovery discovery() { return discovery; }
    /** Static discovery addresses, {@code host:port} or {@code host:from..to}. */
    public List<String> seeds() { return seeds; }
    public int discoveryPort() { return discoveryPort; }
    public int discoveryPortRange() { return discoveryPortRange; }
    public int communicationPort() { return communicationPort; }
    public int communicationPortRange() { return communicationPortRange; }
    public long failureDetectionTimeoutMs() { return failureDetectionTimeoutMs; }
    /** Deadline of each member's stats call in {@code ClusterStatus}. */
    public long statusTimeoutMs() { return statusTimeoutMs; }
    /** How long a leaving node hands its CPU-tier blocks to their new owners before it gives up (0: never). */
    public long handoffTimeoutMs() { return handoffTimeoutMs; }
    /** Whether members push CPU-tier blocks to new owners when a node joins or fails. */
    public boolean rebalance() { return rebalance; }
    /** Whether a member serves only while its view holds a majority of the last stable membership. */
    public boolean quorum() { return quorum; }
    /** Longest wait between two rejoin attempts (restarts of the embedded Ignite node). */
    public long rejoinBackoffMaxMs() { return rejoinBackoffMaxMs; }
    /** The file holding the join secret, if one is configured. */
    public Optional<Path> joinSecretFile() { return Optional.ofNullable(joinSecretFile); }
    /** Ignite's TLS stores, if configured. */
    public Optional<MemberTls> tls() { return Optional.ofNullable(tls); }
    public String k8sMasterUrl() { return k8sMasterUrl; }
    public String k8sNamespace() { return k8sNamespace; }
    public String k8sServiceName() { return k8sServiceName; }
    public String k8sAccountToken() { return k8sAccountToken; }
    public boolean k8sIncludeNotReadyAddresses() { return k8sIncludeNotReadyAddresses; }
    public Path workDirectory() { return workDirectory; }

    /** The node's name: the configured one, else {@code host-dataPort} (stable as long as host and port are). */
    public String nodeName(String host, int dataPort) {
        return nodeName != null ? nodeName : host + "-" + dataPort;
    }
}
