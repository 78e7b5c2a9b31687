package io.spillway.perf.launch;

import io.spillway.perf.adapter.TcpSinkServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The TCP ceiling's sink server in a child JVM, like the other targets, so the bench JVM only runs clients. */
public final class TcpSinkProcess implements AutoCloseable {
    private final ChildProcess process;
    private final int port;

    private TcpSinkProcess(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The sink with the cache-hot buffers. */
    public static TcpSinkProcess start(Path runDir) throws IOException, InterruptedException {
        return start(runDir, 0);
    }

    /** The sink moving blocks from and to a working set of {@code workingSetBytes} ({@code 0}: cache-hot). */
    public static TcpSinkProcess start(Path runDir, long workingSetBytes) throws IOException, InterruptedException {
        int port = FreePorts.pick();
        List<String> cmd = JavaCommand.of(TcpSinkServer.class.getName(), List.of(),
            List.of("--bind", "127.0.0.1", "--port", Integer.toString(port), "--working-set-bytes",
                Long.toString(workingSetBytes)), runDir);
        ChildProcess child = ChildProcess.start("tcp-sink", cmd, runDir.resolve("tcp-sink.log"));
        try {
            child.awaitReady(Duration.ofSeconds(30), () -> {
                try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                    return ch.isConnected();
                }
            });
        } catch (RuntimeException | InterruptedException e) {
            child.close();
            throw e;
        }
        return new TcpSinkProcess(child, port);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.close();
    }
}
