package io.spillway.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Metrics and probes over plain HTTP (the JDK's server, one thread: scrapes and probes are rare and cheap):
 * {@code /metrics} Prometheus text, {@code /health} 200 while the process is live, {@code /ready} 200 while the
 * node serves and 503 while it is starting or draining.
 */
final class HttpEndpoint implements AutoCloseable {
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static HttpEndpoint start(String bind, int port, ServerMetrics metrics, BooleanSupplier ready) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        server.createContext("/metrics", ex -> reply(ex, 200, PROMETHEUS_TYPE, metrics.scrape()));
        server.createContext("/health", ex -> reply(ex, 200, "text/plain", "live\n"));
        server.createContext("/ready", ex -> {
            boolean r = ready.getAsBoolean();
            reply(ex, r ? 200 : 503, "text/plain", r ? "ready\n" : "not ready\n");
        });
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spillway-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new HttpEndpoint(server, executor);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            boolean head = "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
