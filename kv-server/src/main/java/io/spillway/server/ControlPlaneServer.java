package io.spillway.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.spillway.server.security.NodeSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on the control port: {@link ControlService}, any further services (the event feed's snapshots),
 * plus the standard {@code grpc.health.v1} service
 * (SERVING while the node is ready, NOT_SERVING while draining). Calls run on a small bounded pool of their own,
 * because a prefix lookup may read the NVMe tier's index. {@link ControlLimits} bound what one peer can hold: the
 * largest message (over it gRPC answers {@code RESOURCE_EXHAUSTED}), calls open at once per connection, how long an
 * idle connection stays, and keepalive pings (a client pinging more often than every 10 s is sent GOAWAY).
 */
final class ControlPlaneServer implements AutoCloseable {
    private final Server server;
    private final HealthStatusManager health;
    private final ExecutorService executor;

    private ControlPlaneServer(Server server, HealthStatusManager health, ExecutorService executor) {
        this.server = server;
        this.health = health;
        this.executor = executor;
    }

    /** {@code security} gives the credentials (plaintext or TLS) and the gate every call passes. */
    static ControlPlaneServer start(String bind, int port, ControlLimits limits, NodeSecurity security,
                                    ControlService service,
                                    BindableService... more) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("", ServingStatus.NOT_SERVING);
        ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(1024), new NamedThreads("spillway-grpc"));
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(bind, port),
                security.grpcCredentials())
            .addService(service).addService(health.getHealthService()).executor(executor)
            .intercept(security.grpcInterceptor())
            .maxInboundMessageSize(limits.maxInboundMessageBytes())
            .maxInboundMetadataSize(64 << 10)
            .maxConcurrentCallsPerConnection(limits.maxConcurrentCallsPerConnection())
            .maxConnectionIdle(limits.maxConnectionIdleMs(), TimeUnit.MILLISECONDS)
            .keepAliveTime(limits.keepAliveTimeMs(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(limits.keepAliveTimeoutMs(), TimeUnit.MILLISECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS);
        for (BindableService s : more) {
            builder.addService(s);
        }
        Server server = builder.build().start();
        return new ControlPlaneServer(server, health, executor);
    }

    int port() {
        return server.getPort();
    }

    void serving(boolean serving) {
        health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        executor.shutdownNow();
    }
}
