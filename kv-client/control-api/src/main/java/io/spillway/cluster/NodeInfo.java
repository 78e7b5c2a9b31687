package io.spillway.cluster;

import java.util.Objects;

/**
 * One cluster member as clients see it: its stable id (Ignite consistent id, kept across restarts), its zone,
 * and where its data plane (binary protocol), control plane (gRPC) and HTTP endpoint listen.
 */
public record NodeInfo(String id, String zone, String host, int dataPort, int controlPort, int httpPort) {
    public NodeInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(host, "host");
        if (dataPort <= 0 || dataPort > 0xFFFF || controlPort <= 0 || controlPort > 0xFFFF) {
            throw new IllegalArgumentException("bad ports for node " + id + ": data " + dataPort + ", control "
                + controlPort);
        }
    }

    /** {@code host:dataPort}. */
    public String dataAddress() {
        return host + ":" + dataPort;
    }

    /** {@code host:controlPort}. */
    public String controlAddress() {
        return host + ":" + controlPort;
    }
}
