package io.spillway.perf.launch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A private Mooncake Store for {@code bench compare}: its master ({@code mooncake_master}, with the HTTP metadata
 * server built in, so no etcd) and one store process ({@code mooncake_client}) that mounts {@code capacityBytes} of
 * its memory as the cluster's only segment, on the TCP transport; both from the CPU-only wheel in
 * {@code bin/peers-venv}, on free loopback ports below the ephemeral range. The bench's clients then hold no
 * memory of their own, so every byte they read or write crosses the store's TCP transport, as Spillway's and
 * Redis's cross their sockets. Both processes stop on close and on JVM exit.
 */
public final class MooncakeStoreProcesses implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ChildProcess master;
    private final ChildProcess store;
    private final int rpcPort;
    private final int metadataPort;

    private MooncakeStoreProcesses(ChildProcess master, ChildProcess store, int rpcPort, int metadataPort) {
        this.master = master;
        this.store = store;
        this.rpcPort = rpcPort;
        this.metadataPort = metadataPort;
    }

    /** @param bin the virtual environment's {@code bin/}, holding {@code mooncake_master} and {@code mooncake_client} */
    public static MooncakeStoreProcesses start(Path bin, Path runDir, long capacityBytes) throws IOException,
        InterruptedException {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("Mooncake's store needs a capacity > 0, got " + capacityBytes);
        }
        int[] ports = FreePorts.pick(4);
        int rpc = ports[0];
        int metadata = ports[1];
        ChildProcess master = ChildProcess.start("mooncake_master", List.of(bin.resolve("mooncake_master").toString(),
            "--rpc_address=127.0.0.1", "--rpc_port=" + rpc, "--enable_http_metadata_server=true",
            "--http_metadata_server_host=127.0.0.1", "--http_metadata_server_port=" + metadata,
            "--metrics_host=127.0.0.1", "--metrics_port=" + ports[2], "--logtostderr"),
            runDir.resolve("mooncake_master.log"));
        ChildProcess store = null;
        try {
            master.awaitReady(START_TIMEOUT, () -> listening(rpc) && listening(metadata));
            store = ChildProcess.start("mooncake_client", List.of(bin.resolve("mooncake_client").toString(),
                "--host=127.0.0.1", "--port=" + ports[3], "--protocol=tcp",
                "--global_segment_size=" + capacityBytes, "--master_server_address=127.0.0.1:" + rpc,
                "--metadata_server=http://127.0.0.1:" + metadata + "/metadata", "--logtostderr"),
                runDir.resolve("mooncake_client.log"));
            store.awaitReady(START_TIMEOUT, () -> listening(ports[3]));
            master.requireAlive("its store process started");
            return new MooncakeStoreProcesses(master, store, rpc, metadata);
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (store != null) {
                store.close();
            }
            master.close();
            throw e;
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The master's RPC address, as the client's {@code master_server_addr} takes it. */
    public String masterAddress() {
        return "127.0.0.1:" + rpcPort;
    }

    /** The HTTP metadata server the master runs, as the client's {@code metadata_server} takes it. */
    public String metadataUrl() {
        return "http://127.0.0.1:" + metadataPort + "/metadata";
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            master.close();
        }
    }
}
