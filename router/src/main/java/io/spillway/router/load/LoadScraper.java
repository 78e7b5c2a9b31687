package io.spillway.router.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Scrapes every pod's {@code /metrics} on a fixed interval (50 ms by default) and keeps the last good reading of
 * each. A pod is scraped again only once its previous scrape ended (a slow pod never piles up requests); a failed
 * or unreadable scrape keeps the previous reading, whose age tells how stale it is, and is counted. Pods that left
 * the list are forgotten. Each reading carries how many requests the router had sent the pod when its scrape began
 * ({@link InFlight#sent}), so that a decision can add those sent since, which the reading cannot show.
 */
public final class LoadScraper implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);

    private final Supplier<List<String>> addresses;
    private final Duration interval;
    private final Duration timeout;
    private final ToLongFunction<String> sent;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final Map<String, PodLoad> loads = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> inProgress = new ConcurrentHashMap<>();
    private final LongAdder scrapes = new LongAdder();
    private final LongAdder failures = new LongAdder();

    /**
     * @param addresses the pods' {@code host:port}, asked again before each round (discovery's current list)
     */
    public LoadScraper(Supplier<List<String>> addresses, Duration interval, Duration timeout) {
        this(addresses, interval, timeout, address -> 0);
    }

    /**
     * @param addresses the pods' {@code host:port}, asked again before each round (discovery's current list)
     * @param sent      requests sent so far to a pod ({@link InFlight#sent}), stamped on its readings
     */
    public LoadScraper(Supplier<List<String>> addresses, Duration interval, Duration timeout,
                       ToLongFunction<String> sent) {
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("scrape interval and timeout must be > 0, got " + interval + ", "
                + timeout);
        }
        this.addresses = addresses;
        this.sent = sent;
        this.interval = interval;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spillway-load-scraper");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::round, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The last good reading of the pod at {@code address}, or null when none yet. */
    public PodLoad load(String address) {
        return loads.get(address);
    }

    public Duration interval() {
        return interval;
    }

    /** Scrapes that ended with a reading. */
    public long scrapes() {
        return scrapes.sum();
    }

    /** Scrapes that failed: refused, timed out, not 200, or not a vLLM metrics page. */
    public long failures() {
        return failures.sum();
    }

    private void round() {
        List<String> now = addresses.get();
        loads.keySet().retainAll(now);
        inProgress.keySet().retainAll(now);
        for (String address : now) {
            AtomicBoolean busy = inProgress.computeIfAbsent(address, a -> new AtomicBoolean());
            if (!busy.compareAndSet(false, true)) {
                continue;
            }
            long sentBefore = sent.applyAsLong(address);
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/metrics"))
                .timeout(timeout).GET().build();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                try {
                    PodLoad load = error == null && response.statusCode() == 200
                        ? PodLoad.of(response.body(), System.nanoTime(), sentBefore) : null;
                    if (load == null) {
                        failures.increment();
                    } else {
                        scrapes.increment();
                        if (inProgress.containsKey(address)) {
                            loads.put(address, load);
                        }
                    }
                } finally {
                    busy.set(false);
                }
            });
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
