package io.spillway.router.extproc;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.spillway.identity.CertificateFiles;
import io.spillway.router.limits.ExtProcLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The endpoint picker's gRPC server: the ext_proc service and gRPC health on one port, in plaintext or TLS.
 *
 * <p>Health, as the endpoint-picker protocol names it: {@value #LIVENESS} (and the server as a whole, {@code ""})
 * SERVING while the process answers; {@value #READINESS} and the ext_proc service SERVING only while the readiness
 * signal holds (discovery has synced), checked every {@link #READINESS_POLL}; all NOT_SERVING once closing.
 *
 * <p>TLS: the certificate chain and its key are PEM files, read at start, and read again when they change on disk
 * (checked every {@code refresh}, {@link CertificateFiles}), so a rotated certificate (cert-manager, a mounted
 * Secret) is served without a restart.
 *
 * <p>Inbound messages may be as large as {@link #inboundLimit}: above the picker's body limit, so an oversize body
 * that Envoy buffers into one message reaches the picker and gets its 413 rather than gRPC's RESOURCE_EXHAUSTED.
 */
public final class ExtProcServer implements AutoCloseable {
    public static final String LIVENESS = "liveness";
    public static final String READINESS = "readiness";
    public static final String EXT_PROC_SERVICE = "envoy.service.ext_proc.v3.ExternalProcessor";
    static final Duration READINESS_POLL = Duration.ofMillis(200);
    private static final int MIN_INBOUND = 64 << 20;

    /** TLS from PEM files, re-read when they change; checked every {@code refresh}. */
    public record Tls(Path certChain, Path privateKey, Duration refresh) {
        public Tls {
            if (certChain == null || privateKey == null) {
                throw new IllegalArgumentException("ext_proc TLS needs both a certificate file and a key file, got "
                    + certChain + " and " + privateKey);
            }
            if (refresh == null || refresh.isNegative() || refresh.isZero()) {
                throw new IllegalArgumentException("ext_proc TLS refresh must be > 0, got " + refresh);
            }
        }
    }

    private final Server server;
    private final EndpointPicker picker;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spillway-extproc-health");
        t.setDaemon(true);
        return t;
    });

    /** Plaintext, ready at once. */
    public ExtProcServer(EndpointPicker picker, String host, int port) throws IOException {
        this(picker, host, port, null, () -> true);
    }

    /**
     * @param tls   null for plaintext
     * @param ready whether discovery has synced: readiness follows it
     */
    public ExtProcServer(EndpointPicker picker, String host, int port, Tls tls, BooleanSupplier ready)
        throws IOException {
        this(picker, host, port, tls, ready, ExtProcLimits.DEFAULTS);
    }

    /** @param limits streams open at once (the picker's cap), per connection, idle connections, keepalive */
    public ExtProcServer(EndpointPicker picker, String host, int port, Tls tls, BooleanSupplier ready,
                         ExtProcLimits limits) throws IOException {
        this.picker = picker.maxStreams(limits.maxStreams());
        ServerCredentials credentials = InsecureServerCredentials.create();
        if (tls != null) {
            CertificateFiles files;
            try {
                files = new CertificateFiles("ext_proc TLS", tls.certChain(), tls.privateKey());
            } catch (IllegalArgumentException e) {
                timer.shutdownNow();
                throw e;
            }
            timer.scheduleWithFixedDelay(files::refresh, tls.refresh().toMillis(), tls.refresh().toMillis(),
                TimeUnit.MILLISECONDS);
            credentials = TlsServerCredentials.newBuilder().keyManager(files.keyManager()).build();
        }
        try {
            this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
                .maxInboundMessageSize(inboundLimit(picker.maxBodyBytes()))
                .maxConcurrentCallsPerConnection(limits.maxStreamsPerConnection())
                .maxConnectionIdle(limits.maxConnectionIdleMs(), TimeUnit.MILLISECONDS)
                .keepAliveTime(limits.keepAliveTimeMs(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(limits.keepAliveTimeoutMs(), TimeUnit.MILLISECONDS)
                .addService(picker)
                .addService(health.getHealthService()).build().start();
        } catch (IOException | RuntimeException e) {
            timer.shutdownNow();
            throw e;
        }
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(LIVENESS, ServingStatus.SERVING);
        Runnable poll = () -> {
            ServingStatus s = ready.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            health.setStatus(READINESS, s);
            health.setStatus(EXT_PROC_SERVICE, s);
        };
        poll.run();
        timer.scheduleWithFixedDelay(poll, READINESS_POLL.toMillis(), READINESS_POLL.toMillis(),
            TimeUnit.MILLISECONDS);
    }

    /** The largest inbound gRPC message: twice the body limit plus 1 MiB for headers and metadata, at least 64 MiB. */
    static int inboundLimit(int maxBodyBytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_INBOUND, 2L * maxBodyBytes + (1 << 20)));
    }

    public EndpointPicker picker() {
        return picker;
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        health.enterTerminalState();
        timer.shutdownNow();
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
        picker.close();
    }
}
