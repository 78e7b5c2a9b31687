package io.spillway.bridge.agent;

import io.spillway.bridge.Backend;
import io.spillway.bridge.SegmentPolicy;
import io.spillway.client.ClientContext;
import io.spillway.config.PropertyReader;
import io.spillway.config.PropertySources;
import io.spillway.identity.TlsFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An agent's settings: its control socket, the Spillway node or cluster it reaches, the accelerator backend, the
 * pinned pool, the tenant its blocks are keyed under, and who may talk to it (its own user and {@code peerUids}) and
 * which shared-memory segments it opens. Every setting has a property name ({@code X_PROP},
 * {@code spillway.agent.*}) and a default ({@code X_DEFAULT}), stated here only; the builder's setters reject a bad
 * value at once, naming the property. {@link Builder#load} reads the layered settings the way the server and the
 * router do: defaults &lt; {@code --config} file &lt; environment ({@code SPILLWAY_AGENT_SLOTS}) &lt; flags.
 *
 * @param socket       the Unix domain socket the worker's connector talks to
 * @param serverHost   a Spillway node's address
 * @param dataPort     its data port
 * @param controlPort  its control (gRPC) port
 * @param backend      host, cuda or hip
 * @param device       the accelerator's index
 * @param library      a runtime library file to load, or null for the usual names
 * @param slots        pinned host slots of a block each
 * @param chunkBlocks  blocks a copy-and-send step carries (steps overlap: one copies while another is on the wire)
 * @param tenant       the tenant of the namespace the blocks are keyed under
 * @param copyFaults   fault injection, host backend only: the first this-many device copies of each registration
 *                     report a failure (tests of what a failed copy does); 0 in production
 * @param seeds        control-plane addresses {@code HOST:PORT} of a cluster's nodes: when any, the agent talks to
 *                     the cluster through its partition map ({@code ClusterKvClient}) and {@code serverHost} and the
 *                     ports are not used; when none, to the one node at {@code serverHost}
 * @param segmentPrefix what the names of the shared-memory segments the agent opens by handle start with (the host
 *                     backend, the staging ring, the fence page): {@link SegmentPolicy}
 * @param peerUids     uids besides the agent's own that may connect to its socket and own the segments it opens
 * @param maxRequestBytes the longest request line the agent reads; a longer one is answered with an error and its
 *                     connection closed
 * @param tls          TLS to the nodes (the trusted authorities, and the agent's certificate and key for mutual TLS:
 *                     its tenant's client identity), or null for plaintext
 * @param tokenFile    token mode: the file holding the agent's signed token (needs {@code tls}), or null
 */
public record AgentContext(Path socket, String serverHost, int dataPort, int controlPort, Backend backend, int device,
                           String library, int slots, int chunkBlocks, String tenant, int copyFaults,
                           List<String> seeds, String segmentPrefix, List<Integer> peerUids, int maxRequestBytes,
                           TlsFiles tls, Path tokenFile) {
    public static final String PREFIX = "spillway.agent.";
    /** The Unix domain socket the worker's connector talks to; required. */
    public static final String SOCKET_PROP = PREFIX + "socket";
    /** A Spillway node's data address, {@code HOST:PORT}. */
    public static final String SERVER_PROP = PREFIX + "server";
    public static final String SERVER_DEFAULT = ClientContext.HOST_DEFAULT + ":" + ClientContext.DATA_PORT_DEFAULT;
    /** Its control (gRPC) port. */
    public static final String CONTROL_PORT_PROP = PREFIX + "controlPort";
    public static final int CONTROL_PORT_DEFAULT = ClientContext.CONTROL_PORT_DEFAULT;
    /** {@code cuda}, {@code hip} or {@code host}. */
    public static final String BACKEND_PROP = PREFIX + "backend";
    public static final String BACKEND_DEFAULT = "cuda";
    /** The accelerator's index. */
    public static final String DEVICE_PROP = PREFIX + "device";
    public static final int DEVICE_DEFAULT = 0;
    /** The CUDA or HIP runtime library to load; by default libcudart.so / libamdhip64.so by the loader's search. */
    public static final String RUNTIME_LIBRARY_PROP = PREFIX + "runtimeLibrary";
    /** Pinned host slots of a block each. */
    public static final String SLOTS_PROP = PREFIX + "slots";
    public static final int SLOTS_DEFAULT = 256;
    /** Blocks a copy-and-send step carries; at most the slots. */
    public static final String CHUNK_BLOCKS_PROP = PREFIX + "chunkBlocks";
    public static final int CHUNK_BLOCKS_DEFAULT = 32;
    /** The tenant blocks are keyed under. */
    public static final String TENANT_PROP = PREFIX + "tenant";
    public static final String TENANT_DEFAULT = "default";
    /**
     * A cluster's control-plane addresses, {@code HOST:PORT} ({@code [v6]:PORT}), comma-separated: when set, the agent
     * reaches every node through the partition map instead of the one node of {@link #SERVER_PROP}; unset by
     * default.
     */
    public static final String SEEDS_PROP = PREFIX + "seeds";
    /**
     * What the names of the shared-memory segments the agent opens by handle start with (after the '/'): the host
     * backend's worker memory, the staging ring, the fence page. The Python connector names its segments so.
     */
    public static final String SEGMENT_PREFIX_PROP = PREFIX + "segmentPrefix";
    public static final String SEGMENT_PREFIX_DEFAULT = SegmentPolicy.PREFIX_DEFAULT;
    /**
     * Uids, comma-separated, that may connect to the agent's socket and own the segments it opens, besides the
     * agent's own user (always allowed); none by default. A vLLM container running as another user than the agent
     * needs its uid here.
     */
    public static final String PEER_UIDS_PROP = PREFIX + "peerUids";
    /**
     * The longest request line (bytes, before its newline) the agent reads from a connection; a longer one is
     * answered with an error, counted ({@code oversized_requests}) and its connection closed. The default fits the
     * largest requests a connector sends with room to spare: a {@code save} or {@code load} carries the request's
     * every token id, about 7 bytes each for a vocabulary under a million ({@code 123456,}), so a 1M-token context is
     * about 7.5 MB with its block ids (11.5 MB were every id 10 digits); a {@code register} of 512 layers with 19-digit
     * offsets, 512 regions and 256 runs is about 120 KB. Raise it for contexts past 2 million tokens.
     */
    public static final String MAX_REQUEST_BYTES_PROP = PREFIX + "maxRequestBytes";
    public static final int MAX_REQUEST_BYTES_DEFAULT = 16 << 20;
    /** The bound's own bounds: a ping fits the least, and a line is one Java array at most. */
    public static final int MAX_REQUEST_BYTES_MIN = 1024;
    public static final int MAX_REQUEST_BYTES_MAX = 1 << 30;
    /**
     * The agent's client certificate chain, PEM (mutual TLS: a {@code spiffe://<domain>/tenant/<t>/role/client}
     * identity of the tenant of {@link #TENANT_PROP}); with {@link #KEY_FILE_PROP} and {@link #TRUST_FILE_PROP}.
     * Re-read when it changes, like every TLS file below. Unset by default.
     */
    public static final String CERT_FILE_PROP = PREFIX + "certFile";
    /** The agent's private key, PKCS#8 PEM; with {@link #CERT_FILE_PROP}. */
    public static final String KEY_FILE_PROP = PREFIX + "keyFile";
    /** The authorities that sign the nodes' certificates, PEM; setting it turns TLS to the nodes on. */
    public static final String TRUST_FILE_PROP = PREFIX + "trustFile";
    /** Token mode: a file holding the agent's signed token, re-read for each new connection; needs TLS. */
    public static final String TOKEN_FILE_PROP = PREFIX + "tokenFile";
    /** Tests only (host backend): the first this-many device copies of each registration fail. No property. */
    public static final int COPY_FAULTS_DEFAULT = 0;

    /** Every {@code spillway.agent.*} name {@link Builder#load} reads. */
    public static final Set<String> PROPERTY_NAMES = Set.of(SOCKET_PROP, SERVER_PROP, CONTROL_PORT_PROP,
        BACKEND_PROP, DEVICE_PROP, RUNTIME_LIBRARY_PROP, SLOTS_PROP, CHUNK_BLOCKS_PROP, TENANT_PROP, SEEDS_PROP,
        SEGMENT_PREFIX_PROP, PEER_UIDS_PROP, MAX_REQUEST_BYTES_PROP, CERT_FILE_PROP, KEY_FILE_PROP, TRUST_FILE_PROP,
        TOKEN_FILE_PROP);

    public AgentContext(Path socket, String serverHost, int dataPort, int controlPort, Backend backend, int device,
                        String library, int slots, int chunkBlocks, String tenant) {
        this(socket, serverHost, dataPort, controlPort, backend, device, library, slots, chunkBlocks, tenant,
            COPY_FAULTS_DEFAULT);
    }

    /** One node's agent: no seeds. */
    public AgentContext(Path socket, String serverHost, int dataPort, int controlPort, Backend backend, int device,
                        String library, int slots, int chunkBlocks, String tenant, int copyFaults) {
        this(socket, serverHost, dataPort, controlPort, backend, device, library, slots, chunkBlocks, tenant,
            copyFaults, List.of());
    }

    /** Default segment prefix, no other peers. */
    public AgentContext(Path socket, String serverHost, int dataPort, int controlPort, Backend backend, int device,
                        String library, int slots, int chunkBlocks, String tenant, int copyFaults,
                        List<String> seeds) {
        this(socket, serverHost, dataPort, controlPort, backend, device, library, slots, chunkBlocks, tenant,
            copyFaults, seeds, SEGMENT_PREFIX_DEFAULT, List.of());
    }

    /** The default request bound, plaintext to the nodes. */
    public AgentContext(Path socket, String serverHost, int dataPort, int controlPort, Backend backend, int device,
                        String library, int slots, int chunkBlocks, String tenant, int copyFaults,
                        List<String> seeds, String segmentPrefix, List<Integer> peerUids) {
        this(socket, serverHost, dataPort, controlPort, backend, device, library, slots, chunkBlocks, tenant,
            copyFaults, seeds, segmentPrefix, peerUids, MAX_REQUEST_BYTES_DEFAULT, null, null);
    }

    public AgentContext {
        if (socket == null) {
            throw new IllegalArgumentException("socket (" + SOCKET_PROP + ") is needed");
        }
        if (serverHost == null || serverHost.isEmpty()) {
            throw new IllegalArgumentException("a server host (" + SERVER_PROP + ") is needed");
        }
        if (backend == null) {
            throw new IllegalArgumentException("a backend (" + BACKEND_PROP + ") is needed");
        }
        if (dataPort < 1 || dataPort > 65_535 || controlPort < 1 || controlPort > 65_535) {
            throw new IllegalArgumentException("ports (" + SERVER_PROP + ", " + CONTROL_PORT_PROP + ") must be "
                + "1..65535, got " + dataPort + " and " + controlPort);
        }
        if (slots < 1 || chunkBlocks < 1 || chunkBlocks > slots) {
            throw new IllegalArgumentException("slots (" + SLOTS_PROP + ", " + slots + ") and chunk blocks ("
                + CHUNK_BLOCKS_PROP + ", " + chunkBlocks + ") must be >= 1, a chunk no larger than the pool");
        }
        if (tenant == null || tenant.isEmpty()) {
            throw new IllegalArgumentException("a tenant (" + TENANT_PROP + ") is needed");
        }
        if (copyFaults < 0 || (copyFaults > 0 && backend != Backend.HOST)) {
            throw new IllegalArgumentException("copy faults (" + copyFaults + ") are >= 0, and injected on the host "
                + "backend only");
        }
        if (seeds == null) {
            throw new IllegalArgumentException("seeds (" + SEEDS_PROP + ") must not be null; empty for one node");
        }
        seeds.forEach(AgentContext::checkSeed);
        seeds = List.copyOf(seeds);
        if (peerUids == null) {
            throw new IllegalArgumentException("peer uids (" + PEER_UIDS_PROP + ") must not be null; empty for none");
        }
        try {
            new SegmentPolicy(segmentPrefix, peerUids);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("segment prefix (" + SEGMENT_PREFIX_PROP + ") and peer uids ("
                + PEER_UIDS_PROP + "): " + e.getMessage(), e);
        }
        peerUids = List.copyOf(peerUids);
        checkMaxRequestBytes(maxRequestBytes);
        if (tokenFile != null && tls == null) {
            throw new IllegalArgumentException(TOKEN_FILE_PROP + "=" + tokenFile + " needs TLS (" + TRUST_FILE_PROP
                + "): a token sent in plaintext could be read and replayed");
        }
        if (tls != null && tls.trustedCertificates() == null) {
            throw new IllegalArgumentException(TRUST_FILE_PROP + " must be set with TLS: the agent checks the nodes' "
                + "certificates against it");
        }
    }

    private static void checkMaxRequestBytes(long v) {
        if (v < MAX_REQUEST_BYTES_MIN || v > MAX_REQUEST_BYTES_MAX) {
            throw new IllegalArgumentException("maxRequestBytes (" + MAX_REQUEST_BYTES_PROP + ") must be "
                + MAX_REQUEST_BYTES_MIN + " to " + MAX_REQUEST_BYTES_MAX + " bytes, got " + v);
        }
    }

    /** The segments the agent opens by handle: named with its prefix, owned by its user or a peer uid. */
    public SegmentPolicy segments() {
        return new SegmentPolicy(segmentPrefix, peerUids);
    }

    /** Whether the agent reaches a cluster through its seeds rather than one node. */
    public boolean clustered() {
        return !seeds.isEmpty();
    }

    /**
     * The client settings the agent connects with: the seeds when there are any (for {@code ClusterKvClient}),
     * else the one node's address and control port (for {@code KvClient.connect}).
     */
    public ClientContext clientContext() {
        ClientContext.Builder b = ClientContext.builder().server(serverHost, dataPort).controlPort(controlPort);
        if (clustered()) {
            b.seeds(seeds);
        }
        if (tls != null) {
            b.tls(tls);
        }
        b.tokenFile(tokenFile);
        return b.build();
    }

    /** Where the agent's blocks go, for messages: the node's data address or the cluster's seeds. */
    public String target() {
        return clustered() ? "the cluster (seeds " + String.join(",", seeds) + ")" : "the node at " + serverHost + ":"
            + dataPort;
    }

    /** Splits {@code value} at commas into uids (blank entries skipped; blank means none), naming the property. */
    static List<Integer> parseUids(String value) {
        List<Integer> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String entry : value.split(",", -1)) {
            if (entry.isBlank()) {
                continue;
            }
            int uid;
            try {
                uid = Integer.parseInt(entry.strip());
            } catch (NumberFormatException e) {
                uid = -1;
            }
            if (uid < 0) {
                throw new IllegalArgumentException("peer uids (" + PEER_UIDS_PROP + ") are numbers >= 0, "
                    + "comma-separated, got '" + entry.strip() + "'");
            }
            out.add(uid);
        }
        if (out.size() > SegmentPolicy.MAX_OWNERS) {
            throw new IllegalArgumentException("peer uids (" + PEER_UIDS_PROP + ") are at most "
                + SegmentPolicy.MAX_OWNERS + ", got " + out.size());
        }
        return out;
    }

    /**
     * Splits {@code value} at commas into {@code HOST:PORT} entries (blank entries skipped; blank means none),
     * rejecting a malformed one with the property's name.
     */
    static List<String> parseSeeds(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String entry : value.split(",", -1)) {
            if (!entry.isBlank()) {
                out.add(checkSeed(entry.strip()));
            }
        }
        return out;
    }

    /** {@code seed} if it is {@code HOST:PORT} ({@code [v6]:PORT}) with a port in 1..65535; throws otherwise. */
    private static String checkSeed(String seed) {
        int colon = seed == null ? -1 : seed.lastIndexOf(':');
        String host = colon < 1 ? "" : seed.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":") || host.contains("[") || host.contains("]")) {
            host = ""; // an IPv6 literal needs its brackets
        }
        int port = -1;
        if (colon >= 1) {
            try {
                port = Integer.parseInt(seed.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace) || port < 1 || port > 65_535) {
            throw new IllegalArgumentException("seeds (" + SEEDS_PROP + ") are HOST:PORT entries, comma-separated, "
                + "with a port in 1..65535 ([v6]:PORT for IPv6), got '" + seed + "'");
        }
        return seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects settings; each setter checks its value at once, naming the property. */
    public static final class Builder {
        private Path socket;
        private String serverHost = ClientContext.HOST_DEFAULT;
        private int dataPort = ClientContext.DATA_PORT_DEFAULT;
        private int controlPort = CONTROL_PORT_DEFAULT;
        private Backend backend = Backend.parse(BACKEND_DEFAULT);
        private int device = DEVICE_DEFAULT;
        private String library;
        private int slots = SLOTS_DEFAULT;
        private int chunkBlocks = CHUNK_BLOCKS_DEFAULT;
        private String tenant = TENANT_DEFAULT;
        private int copyFaults = COPY_FAULTS_DEFAULT;
        private List<String> seeds = List.of();
        private String segmentPrefix = SEGMENT_PREFIX_DEFAULT;
        private List<Integer> peerUids = List.of();
        private int maxRequestBytes = MAX_REQUEST_BYTES_DEFAULT;
        private Path certFile;
        private Path keyFile;
        private Path trustFile;
        private Path tokenFile;

        private Builder() {
        }

        /** The control socket ({@value #SOCKET_PROP}). */
        public Builder socket(Path v) {
            if (v == null) {
                throw new IllegalArgumentException("socket (" + SOCKET_PROP + ") must not be null");
            }
            socket = v;
            return this;
        }

        /** A node's data address {@code HOST:PORT} ({@value #SERVER_PROP}). */
        public Builder server(String hostPort) {
            int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
            int port = -1;
            if (colon >= 1) {
                try {
                    port = Integer.parseInt(hostPort.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("server (" + SERVER_PROP + ") is HOST:PORT with a port in "
                    + "1..65535, got '" + hostPort + "'");
            }
            serverHost = hostPort.substring(0, colon);
            dataPort = port;
            return this;
        }

        /** The node's control port ({@value #CONTROL_PORT_PROP}): 1..65535. */
        public Builder controlPort(int v) {
            if (v < 1 || v > 65_535) {
                throw new IllegalArgumentException("controlPort (" + CONTROL_PORT_PROP + ") must be 1..65535, got "
                    + v);
            }
            controlPort = v;
            return this;
        }

        /** {@code cuda}, {@code hip} or {@code host} ({@value #BACKEND_PROP}). */
        public Builder backend(String v) {
            try {
                backend = Backend.parse(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("backend (" + BACKEND_PROP + "): " + e.getMessage(), e);
            }
            return this;
        }

        /** The accelerator's index ({@value #DEVICE_PROP}); >= 0. */
        public Builder device(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("device (" + DEVICE_PROP + ") must be >= 0, got " + v);
            }
            device = v;
            return this;
        }

        /** The runtime library to load ({@value #RUNTIME_LIBRARY_PROP}), or null for the usual names. */
        public Builder runtimeLibrary(String v) {
            library = v;
            return this;
        }

        /** Pinned host slots ({@value #SLOTS_PROP}); >= 1. */
        public Builder slots(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("slots (" + SLOTS_PROP + ") must be >= 1, got " + v);
            }
            slots = v;
            return this;
        }

        /** Blocks a copy-and-send step carries ({@value #CHUNK_BLOCKS_PROP}); >= 1, at most the slots. */
        public Builder chunkBlocks(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("chunkBlocks (" + CHUNK_BLOCKS_PROP + ") must be >= 1, got " + v);
            }
            chunkBlocks = v;
            return this;
        }

        /** The tenant blocks are keyed under ({@value #TENANT_PROP}). */
        public Builder tenant(String v) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("tenant (" + TENANT_PROP + ") must not be blank, got '" + v + "'");
            }
            tenant = v;
            return this;
        }

        /**
         * A cluster's control-plane addresses ({@value #SEEDS_PROP}): {@code HOST:PORT} entries, comma-separated;
         * blank for one node ({@link #server}).
         */
        public Builder seeds(String v) {
            seeds = List.copyOf(parseSeeds(v));
            return this;
        }

        /**
         * What the names of the segments the agent opens start with ({@value #SEGMENT_PREFIX_PROP}): 1 to 32
         * letters, digits, '.', '_' or '-'.
         */
        public Builder segmentPrefix(String v) {
            try {
                new SegmentPolicy(v, List.of());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("segmentPrefix (" + SEGMENT_PREFIX_PROP + "): " + e.getMessage(), e);
            }
            segmentPrefix = v;
            return this;
        }

        /** Uids besides the agent's own that may connect and own its segments ({@value #PEER_UIDS_PROP}). */
        public Builder peerUids(String v) {
            peerUids = List.copyOf(parseUids(v));
            return this;
        }

        /** The longest request line read ({@value #MAX_REQUEST_BYTES_PROP}): 1 KiB to 1 GiB. */
        public Builder maxRequestBytes(long v) {
            checkMaxRequestBytes(v);
            maxRequestBytes = (int) v;
            return this;
        }

        /**
         * The agent's certificate and key ({@value #CERT_FILE_PROP}, {@value #KEY_FILE_PROP}) for mutual TLS: both
         * or neither (null, null).
         */
        public Builder certificate(Path cert, Path key) {
            if ((cert == null) != (key == null)) {
                throw new IllegalArgumentException(CERT_FILE_PROP + " and " + KEY_FILE_PROP + " go together, got "
                    + CERT_FILE_PROP + "=" + cert + ", " + KEY_FILE_PROP + "=" + key);
            }
            certFile = cert;
            keyFile = key;
            return this;
        }

        /** The authorities that sign the nodes' certificates ({@value #TRUST_FILE_PROP}); null: plaintext. */
        public Builder trustFile(Path v) {
            trustFile = v;
            return this;
        }

        /** Token mode ({@value #TOKEN_FILE_PROP}): the file holding the agent's signed token; null: none. */
        public Builder tokenFile(Path v) {
            tokenFile = v;
            return this;
        }

        /** Tests only, host backend: the first {@code v} device copies of each registration fail. */
        public Builder copyFaults(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("copy faults must be >= 0, got " + v);
            }
            copyFaults = v;
            return this;
        }

        /**
         * Takes every {@code spillway.agent.*} value of {@code sources}; an unknown one is rejected. Errors name the
         * property, the value and where it came from.
         */
        public Builder load(PropertySources sources) {
            for (String k : sources.values().keySet()) {
                if (k.startsWith(PREFIX) && !PROPERTY_NAMES.contains(k)) {
                    throw new IllegalArgumentException("unknown setting '" + k + "' (from " + sources.origin(k)
                        + "); known: " + new TreeSet<>(PROPERTY_NAMES));
                }
            }
            PropertyReader r = sources.reader();
            r.path(SOCKET_PROP).ifPresent(v -> from(sources, SOCKET_PROP, () -> socket(v)));
            r.string(SERVER_PROP).ifPresent(v -> from(sources, SERVER_PROP, () -> server(v)));
            r.intValue(CONTROL_PORT_PROP).ifPresent(v -> from(sources, CONTROL_PORT_PROP, () -> controlPort(v)));
            r.string(BACKEND_PROP).ifPresent(v -> from(sources, BACKEND_PROP, () -> backend(v)));
            r.intValue(DEVICE_PROP).ifPresent(v -> from(sources, DEVICE_PROP, () -> device(v)));
            r.string(RUNTIME_LIBRARY_PROP).ifPresent(this::runtimeLibrary);
            r.intValue(SLOTS_PROP).ifPresent(v -> from(sources, SLOTS_PROP, () -> slots(v)));
            r.intValue(CHUNK_BLOCKS_PROP).ifPresent(v -> from(sources, CHUNK_BLOCKS_PROP, () -> chunkBlocks(v)));
            r.string(TENANT_PROP).ifPresent(v -> from(sources, TENANT_PROP, () -> tenant(v)));
            r.string(SEEDS_PROP).ifPresent(v -> from(sources, SEEDS_PROP, () -> seeds(v)));
            r.string(SEGMENT_PREFIX_PROP).ifPresent(v -> from(sources, SEGMENT_PREFIX_PROP, () -> segmentPrefix(v)));
            r.string(PEER_UIDS_PROP).ifPresent(v -> from(sources, PEER_UIDS_PROP, () -> peerUids(v)));
            r.size(MAX_REQUEST_BYTES_PROP).ifPresent(v -> from(sources, MAX_REQUEST_BYTES_PROP,
                () -> maxRequestBytes(v)));
            Path cert = r.path(CERT_FILE_PROP).orElse(null);
            Path key = r.path(KEY_FILE_PROP).orElse(null);
            from(sources, cert != null ? CERT_FILE_PROP : KEY_FILE_PROP, () -> certificate(cert, key));
            r.path(TRUST_FILE_PROP).ifPresent(this::trustFile);
            r.path(TOKEN_FILE_PROP).ifPresent(this::tokenFile);
            return this;
        }

        private static void from(PropertySources sources, String prop, Runnable set) {
            try {
                set.run();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (from " + sources.origin(prop) + ")", e);
            }
        }

        /**
         * The context these settings make.
         *
         * @throws IllegalArgumentException naming the settings that are missing or do not fit together
         */
        public AgentContext build() {
            if (socket == null) {
                throw new IllegalArgumentException("socket (" + SOCKET_PROP + ", --socket) must be set");
            }
            if (certFile != null && trustFile == null) {
                throw new IllegalArgumentException(CERT_FILE_PROP + "/" + KEY_FILE_PROP + " need " + TRUST_FILE_PROP
                    + ": the authorities that sign the nodes' certificates");
            }
            TlsFiles tls = trustFile == null ? null
                : new TlsFiles(certFile, keyFile, trustFile, ClientContext.TLS_REFRESH_DEFAULT);
            return new AgentContext(socket, serverHost, dataPort, controlPort, backend, device, library, slots,
                chunkBlocks, tenant, copyFaults, seeds, segmentPrefix, peerUids, maxRequestBytes, tls, tokenFile);
        }
    }
}
