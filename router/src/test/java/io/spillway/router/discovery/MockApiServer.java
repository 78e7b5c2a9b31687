package io.spillway.router.discovery;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;

/**
 * fabric8's mock API server (CRUD mode, HTTPS on 127.0.0.1) for one test, with a teardown that survives the mock's
 * own stall.
 *
 * <p>Why not {@code @EnableKubernetesMockClient}: fabric8 7.8.0's mock deadlocks its one vert.x event loop when a
 * client closes a watch while the mock is still sending that watch its opening replay (an ADDED event for every
 * object that matches): the event loop, handling the close frame, waits for the watch's sender thread to finish
 * ({@code WatchEventsListener.onClosed}, up to a minute), and that thread waits up to 30 s for a write only the event
 * loop can do ({@code VertxMockWebSocket.awaitWrite}). An informer closed just after its first list does exactly this,
 * more often on a busy 2-core machine. For those 30 s the mock answers nothing, and the extension's teardown, which
 * shuts the server down first with a fixed 10 s limit ({@code MockWebServer.shutdown}) and closes the client after,
 * fails the test with "Unable to close MockWebServer". Here the client is closed first, then the teardown waits (up to
 * {@link #ANSWER_WAIT_NANOS}, past the mock's 30 s write limit) until the mock answers a request again, and only then
 * shuts it down.
 */
final class MockApiServer implements AutoCloseable {
    /** Longer than the mock's own 30 s write limit, which bounds its stall. */
    static final long ANSWER_WAIT_NANOS = 60_000_000_000L;

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    MockApiServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher(), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    KubernetesMockServer server() {
        return server;
    }

    KubernetesClient client() {
        return client;
    }

    /** Closes the client (and its watches), waits until the mock answers again, then shuts the mock down. */
    @Override
    public void close() {
        client.close();
        awaitAnswering();
        server.destroy();
    }

    private void awaitAnswering() {
        long deadline = System.nanoTime() + ANSWER_WAIT_NANOS;
        try (KubernetesClient probe = server.createClient()) {
            while (true) {
                try {
                    probe.namespaces().list();
                    return;
                } catch (KubernetesClientException stalled) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the mock API server still answers nothing after "
                            + ANSWER_WAIT_NANOS / 1_000_000_000L + " s", stalled);
                    }
                }
            }
        }
    }
}
