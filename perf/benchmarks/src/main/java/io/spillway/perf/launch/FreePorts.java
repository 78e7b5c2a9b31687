package io.spillway.perf.launch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks free loopback ports for servers the bench starts itself, in another process, seconds later. The ports lie
 * below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768 up by default): a port the kernel hands
 * out as the local port of an outgoing connection could be taken between the pick and the server's bind (a cluster
 * test failed that way), and one below the range is only ever taken by another server's explicit bind.
 */
public final class FreePorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int SPAN = 12_000;
    /** Read once: every pick used to read the sysctl again. */
    private static final int EPHEMERAL_LOW = ephemeralLow();

    private FreePorts() {
    }

    public static int pick() {
        int low = EPHEMERAL_LOW;
        int from = Math.max(1025, low - SPAN);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = from + ThreadLocalRandom.current().nextInt(low - from);
            if (bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port in " + from + ".." + (low - 1) + " after 1000 tries");
    }

    /** {@code n} distinct free ports. */
    public static int[] pick(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            int p;
            do {
                p = pick();
            } while (contains(ports, i, p));
            ports[i] = p;
        }
        return ports;
    }

    /** The first port of the kernel's ephemeral range (32768 where it cannot be read). */
    static int ephemeralLow() {
        try {
            String[] range = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+");
            int low = Integer.parseInt(range[0]);
            return low > 2048 ? low : 32768;
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException busy) {
            return false;
        }
    }

    private static boolean contains(int[] ports, int n, int p) {
        for (int i = 0; i < n; i++) {
            if (ports[i] == p) {
                return true;
            }
        }
        return false;
    }
}
