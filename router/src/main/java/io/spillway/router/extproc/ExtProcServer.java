package io.spillway.router.extproc;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The endpoint picker's gRPC server: the ext_proc service and gRPC health ({@code grpc.health.v1}, SERVING while
 * running, NOT_SERVING once closing), on one port.
 */
public final class ExtProcServer implements AutoCloseable {
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();

    public ExtProcServer(EndpointPicker picker, String host, int port) throws IOException {
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port)).addService(picker)
            .addService(health.getHealthService()).build().start();
        health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus("envoy.service.ext_proc.v3.ExternalProcessor", HealthCheckResponse.ServingStatus.SERVING);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        health.enterTerminalState();
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }
}
