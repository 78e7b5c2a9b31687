package io.spillway.deploy.containers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP proxy that holds every chunk it relays for a delay, each way: the slow link of issue 21's slow-node test, for
 * a kernel without {@code sch_netem}. It runs inside a node's container (its network namespace; copied in as this one
 * class file, using nothing but the JDK), listens on one port and relays to the node's data port. The delay in
 * milliseconds is read every 100 ms from a file ({@code 0} or no file: none), so a test turns the link slow and fast
 * without restarting anything. Chunks keep their order; a connection closed on one side is closed on the other once
 * what was read before is delivered.
 *
 * <p>{@code java -cp DIR io.spillway.deploy.containers.DelayProxyMain LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_FILE}
 */
public final class DelayProxyMain {
    private static final byte[] EOF = new byte[0];
    private static volatile long delayNanos;

    private DelayProxyMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: DelayProxyMain LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_FILE");
            System.exit(2);
        }
        int listen = Integer.parseInt(args[0]);
        InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        Path delayFile = Path.of(args[3]);
        Thread watcher = new Thread(() -> watch(delayFile), "delay-watch");
        watcher.setDaemon(true);
        watcher.start();
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("0.0.0.0", listen));
            System.out.println("delay proxy on :" + listen + " -> " + target + ", delay from " + delayFile);
            while (true) {
                Socket in = server.accept();
                try {
                    Socket out = new Socket();
                    out.connect(target, 5_000);
                    relay(in, out);
                    relay(out, in);
                } catch (IOException e) {
                    System.out.println("cannot reach " + target + ": " + e);
                    in.close();
                }
            }
        }
    }

    private static void watch(Path file) {
        while (true) {
            long ms = 0;
            try {
                ms = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
            } catch (IOException | NumberFormatException e) {
                // no file, or not a number yet: no delay
            }
            delayNanos = Math.max(0, ms) * 1_000_000L;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Reads {@code from} on one thread and writes to {@code to} on another, each chunk once its delay is over. */
    private static void relay(Socket from, Socket to) {
        BlockingQueue<Object[]> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 << 10];
            try (InputStream is = from.getInputStream()) {
                int n;
                while ((n = is.read(buf)) > 0) {
                    queue.put(new Object[] {System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)});
                }
            } catch (IOException | InterruptedException e) {
                // closed: pass the end on
            }
            queue.add(new Object[] {System.nanoTime() + delayNanos, EOF});
        }, "delay-read");
        Thread writer = new Thread(() -> {
            try (OutputStream os = to.getOutputStream()) {
                while (true) {
                    Object[] chunk = queue.take();
                    long wait = (long) chunk[0] - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    byte[] bytes = (byte[]) chunk[1];
                    if (bytes == EOF) {
                        break;
                    }
                    os.write(bytes);
                    os.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the other side went away
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "delay-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
