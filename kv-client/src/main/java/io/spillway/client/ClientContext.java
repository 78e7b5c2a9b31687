package io.spillway.client;

import java.time.Duration;

/**
 * Settings of a {@link KvClient}; every setting has a property name and a default, and {@link Builder#build()}
 * rejects bad values with a message naming them. (Placeholder: the full context comes with the client.)
 */
public final class ClientContext {
    private final String host;
    private final int dataPort;
    private final int controlPort;
    private final int connections;
    private final Duration requestTimeout;

    private ClientContext(Builder b) {
        this.host = b.host;
        this.dataPort = b.dataPort;
        this.controlPort = b.controlPort;
        this.connections = b.connections;
        this.requestTimeout = b.requestTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() { return host; }
    public int dataPort() { return dataPort; }
    public int controlPort() { return controlPort; }
    public int connections() { return connections; }
    public Duration requestTimeout() { return requestTimeout; }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int dataPort = 7600;
        private int controlPort = 7601;
        private int connections = 4;
        private Duration requestTimeout = Duration.ofSeconds(10);

        /** Data-plane address; the control plane is on {@link #controlPort(int)}. */
        public Builder server(String host, int dataPort) { this.host = host; this.dataPort = dataPort; return this; }
        public Builder controlPort(int port) { this.controlPort = port; return this; }
        public Builder connections(int n) { this.connections = n; return this; }
        public Builder requestTimeout(Duration d) { this.requestTimeout = d; return this; }

        public ClientContext build() {
            return new ClientContext(this);
        }
    }
}
