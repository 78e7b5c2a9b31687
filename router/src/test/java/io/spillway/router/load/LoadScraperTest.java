package io.spillway.router.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.router.discovery.PodEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Scrapes of real HTTP servers on 127.0.0.1: readings follow the page, a pod that stops answering keeps its last
 * reading and counts failures, a page that is not vLLM's is a failure, and a pod that leaves the list is forgotten.
 */
class LoadScraperTest {
    private static HttpServer server(AtomicReference<String> page) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/metrics", exchange -> {
            byte[] body = page.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        s.start();
        return s;
    }

    @Test
    void requestsSentAfterAReadingWaitAsFarAsTheRouterKnowsUntilTheyFinish() throws Exception {
        AtomicReference<String> page = new AtomicReference<>(
            "vllm:num_requests_waiting 2\nvllm:num_requests_running 1\n");
        HttpServer server = server(page);
        String address = "127.0.0.1:" + server.getAddress().getPort();
        List<PodEndpoint> endpoints = List.of(new PodEndpoint("a", "127.0.0.1", server.getAddress().getPort(),
            PodRole.BOTH, true));
        InFlight inFlight = new InFlight();
        try (LoadScraper scraper = new LoadScraper(() -> List.of(address), Duration.ofHours(1), Duration.ofMillis(500),
            inFlight::sent)) { // one scrape, at start
            await(() -> scraper.load(address) != null);
            assertEquals(2, PodViews.of(endpoints, scraper, inFlight).get(0).waiting());
            for (int i = 0; i < 3; i++) {
                inFlight.started(address);
            }
            assertEquals(5, PodViews.of(endpoints, scraper, inFlight).get(0).waiting(),
                "three sent after the reading: 2 + 3 waiting as far as the router knows");
            inFlight.finished(address);
            inFlight.finished(address);
            Pod pod = PodViews.of(endpoints, scraper, inFlight).get(0);
            assertEquals(3, pod.waiting(), "two of them finished: they wait no more");
            assertEquals(1, pod.inFlight());
            inFlight.finished(address);
            assertEquals(2, PodViews.of(endpoints, scraper, inFlight).get(0).waiting());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void readingsFollowThePagesAndSurviveAPodGoingQuiet() throws Exception {
        AtomicReference<String> a = new AtomicReference<>("vllm:num_requests_waiting 2\nvllm:num_requests_running 1\n"
            + "vllm:kv_cache_usage_perc 0.25\n");
        AtomicReference<String> b = new AtomicReference<>("<html>a web page</html>");
        HttpServer sa = server(a);
        HttpServer sb = server(b);
        String addrA = "127.0.0.1:" + sa.getAddress().getPort();
        String addrB = "127.0.0.1:" + sb.getAddress().getPort();
        AtomicReference<List<String>> list = new AtomicReference<>(List.of(addrA, addrB));
        InFlight inFlight = new InFlight();
        try (LoadScraper scraper = new LoadScraper(list::get, Duration.ofMillis(20), Duration.ofMillis(500),
            inFlight::sent)) {
            await(() -> scraper.load(addrA) != null && scraper.failures() > 0);
            assertEquals(2, scraper.load(addrA).waiting());
            assertNull(scraper.load(addrB), "not a metrics page: no reading");
            list.set(List.of(addrA)); // from here on every failure is a's
            Thread.sleep(200);

            a.set("vllm:num_requests_waiting 7\nvllm:num_requests_running 3\nvllm:kv_cache_usage_perc 0.9\n");
            await(() -> scraper.load(addrA).waiting() == 7);
            assertEquals(0.9, scraper.load(addrA).kvUtilization());

            List<PodEndpoint> endpoints = List.of(new PodEndpoint("a", "127.0.0.1", sa.getAddress().getPort(),
                PodRole.BOTH, true));
            inFlight.started(addrA);
            inFlight.started(addrA);
            inFlight.finished(addrA);
            long sent = inFlight.sent(addrA);
            await(() -> scraper.load(addrA).sentBefore() == sent);
            assertEquals(new Pod(addrA, addrA, PodRole.BOTH, true, 7, 3, 0.9, 1),
                PodViews.of(endpoints, scraper, inFlight).get(0), "a reading taken after the sends shows them itself");

            sa.stop(0);
            long failuresAtStop = scraper.failures();
            await(() -> scraper.failures() > failuresAtStop + 2); // scrapes begun before the stop have ended
            long failuresBefore = scraper.failures();
            long seenAt = scraper.load(addrA).scrapedNanos();
            await(() -> scraper.failures() > failuresBefore + 3);
            assertEquals(seenAt, scraper.load(addrA).scrapedNanos(), "the last good reading stays, aging");
            assertEquals(7, scraper.load(addrA).waiting());

            list.set(List.of());
            await(() -> scraper.load(addrA) == null);
            assertTrue(scraper.scrapes() > 1);
        } finally {
            sa.stop(0);
            sb.stop(0);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(10);
        }
    }
}
