package io.spillway.perf.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * Sends a workload's requests in wall-clock time, each as a streamed completion with its usage, to where a {@link
 * Dispatch} says; records each request's time to first token and the prompt tokens its pod reports cached.
 */
final class Replayer {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where requests go. */
    interface Dispatch {
        /** The {@code host:port} request {@code r} goes to (called at its arrival, in order). */
        String address(int r, SimRequest request);

        /** Request {@code r}'s first token came, {@code nanos} after the replay's start (its arrivals' clock). */
        default void answered(int r, long nanos) {
        }

        /** Request {@code r}'s stream ended. */
        default void finished(int r, String address) {
        }

        /** Waiting requests per pod now, as the router sees them; NaN when unknown. */
        default double queue() {
            return Double.NaN;
        }
    }

    /** What a request's body says besides the stream: its prompt, as JSON (a token-id list or a string). */
    interface Prompt {
        String json(int r, SimRequest request);
    }

    /** Told as requests go and come back, for a progress line. */
    interface Progress {
        Progress NONE = (sent, done, hits, input) -> {
        };

        void update(int sent, int done, long cachedTokens, long inputTokens);
    }

    private Replayer() {
    }

    static RunResult replay(Workload workload, Policy policy, String load, Dispatch dispatch, Prompt prompt,
                            ExecutorService streams, Progress progress) throws Exception {
        HttpClient http = HttpClient.newBuilder().executor(streams).build();
        List<SimRequest> requests = workload.requests();
        long[] ttft = new long[requests.size()];
        long[] cached = new long[requests.size()];
        AtomicLong outputTokens = new AtomicLong();
        AtomicLong lastFinish = new AtomicLong();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger sentCount = new AtomicInteger();
        AtomicLong cachedSoFar = new AtomicLong();
        AtomicLong inputSoFar = new AtomicLong();
        double queueSum = 0;
        int queueSamples = 0;
        List<Future<?>> sent = new ArrayList<>();
        long start = System.nanoTime();
        for (int r = 0; r < requests.size(); r++) {
            SimRequest request = requests.get(r);
            long wait = start + request.arrivalNanos() - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            double queue = dispatch.queue();
            if (!Double.isNaN(queue)) {
                queueSum += queue;
                queueSamples++;
            }
            String address = dispatch.address(r, request);
            int at = r;
            long arrived = System.nanoTime();
            String body = "{\"prompt\":" + prompt.json(r, request) + ",\"max_tokens\":" + request.outputTokens()
                + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
            sent.add(streams.submit(() -> {
                try {
                    stream(http, address, body, first -> {
                        ttft[at] = first - arrived;
                        dispatch.answered(at, first - start);
                    }, c -> cached[at] = c);
                    outputTokens.addAndGet(request.outputTokens());
                    lastFinish.accumulateAndGet(System.nanoTime() - start, Math::max);
                    cachedSoFar.addAndGet(cached[at]);
                    inputSoFar.addAndGet(request.inputTokens());
                } finally {
                    dispatch.finished(at, address);
                    progress.update(sentCount.get(), done.incrementAndGet(), cachedSoFar.get(), inputSoFar.get());
                }
                return null;
            }));
            progress.update(sentCount.incrementAndGet(), done.get(), cachedSoFar.get(), inputSoFar.get());
        }
        for (Future<?> f : sent) {
            f.get(10, TimeUnit.MINUTES);
        }
        long[] sorted = ttft.clone();
        Arrays.sort(sorted);
        double span = Math.max(1, lastFinish.get() - (requests.isEmpty() ? 0 : requests.get(0).arrivalNanos())) / 1e9;
        return new RunResult(policy, load, requests.size(), workload.inputTokens(), Arrays.stream(cached).sum(), 0, 0,
            Arrays.stream(sorted).average().orElse(0) / 1e6, VirtualRun.percentile(sorted, 0.5),
            VirtualRun.percentile(sorted, 0.9), VirtualRun.percentile(sorted, 0.99), outputTokens.get() / span,
            queueSamples == 0 ? Double.NaN : queueSum / queueSamples, span);
    }

    /** A request's prompt as a JSON list of token ids. */
    static String tokenIds(int[] tokens) {
        StringBuilder s = new StringBuilder(tokens.length * 7 + 2).append('[');
        for (int i = 0; i < tokens.length; i++) {
            s.append(i == 0 ? "" : ",").append(tokens[i]);
        }
        return s.append(']').toString();
    }

    /** Sends one streamed completion; tells when its first token came and how many tokens were cached. */
    private static void stream(HttpClient http, String address, String body, LongConsumer first,
                               IntConsumer cachedTokens) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create("http://" + address
            + "/v1/completions")).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(address + " answered " + response.statusCode() + ": "
                + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        boolean waiting = true;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                if (waiting) {
                    first.accept(System.nanoTime());
                    waiting = false;
                }
                JsonNode usage = JSON.readTree(line.substring(6)).get("usage");
                if (usage != null && !usage.isNull()) {
                    cachedTokens.accept(usage.path("prompt_tokens_details").path("cached_tokens").asInt());
                }
            }
        }
    }
}
