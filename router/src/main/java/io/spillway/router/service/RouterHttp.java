package io.spillway.router.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The router's HTTP endpoint: {@code /metrics} (Prometheus text), {@code /health} (200 while running),
 * {@code /debug/decisions} (the last decisions, every candidate's score per scorer, as JSON).
 */
public final class RouterHttp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;

    public RouterHttp(String host, int port, RouterMetrics metrics, DecisionLog log,
                      Supplier<Map<String, Object>> status) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
            metrics.scrape()));
        server.createContext("/health", ex -> reply(ex, 200, "text/plain", "ok\n"));
        server.createContext("/debug/decisions", ex -> reply(ex, 200, "application/json",
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("status", status.get(),
                "decisions", log.recent()))));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
