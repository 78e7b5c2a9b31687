package io.spillway.perf.eval.sidebyside;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * N llm-d-inference-sim processes on 127.0.0.1, started fresh (cold caches) with one {@link SimSettings}, publishing
 * their KV events to {@code eventsPort} as llm-d's pods do (topic {@code kv@<POD_IP>@<model>}, POD_IP their
 * {@code ip:port}); where nothing listens there the events are dropped by ZeroMQ. Reads their {@code vllm:*} metrics.
 */
final class SimPods implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<String> pods = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    SimPods(Path binary, SimSettings s, int[] ports, int eventsPort, Path logs) throws Exception {
        try {
            for (int i = 0; i < ports.length; i++) {
                String pod = "127.0.0.1:" + ports[i];
                ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--port", String.valueOf(ports[i]),
                    "--model", s.model(), "--force-dummy-tokenizer", "--mode", "echo",
                    "--prefill-time-per-token", s.prefillPerToken().toNanos() + "ns",
                    "--prefill-overhead", s.prefillOverhead().toNanos() + "ns", "--inter-token-latency",
                    s.interTokenLatency().toNanos() + "ns", "--max-num-seqs", String.valueOf(s.maxNumSeqs()),
                    "--enable-kvcache", "--kv-cache-size", String.valueOf(s.kvCacheBlocks()), "--block-size",
                    String.valueOf(SimSettings.BLOCK), "--event-batch-size", "16", "--zmq-endpoint",
                    "tcp://127.0.0.1:" + eventsPort, "--max-model-len", String.valueOf(s.maxModelLen()),
                    "--seed", String.valueOf(1_000 + i));
                pb.environment().put("POD_IP", pod);
                pb.redirectErrorStream(true).redirectOutput(logs.resolve("sim-" + i + ".log").toFile());
                processes.add(pb.start());
                pods.add(pod);
            }
            for (String pod : pods) {
                awaitMetrics(pod, Duration.ofSeconds(30));
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    List<String> pods() {
        return pods;
    }

    private static final Pattern SAMPLE = Pattern.compile("^(vllm:[a-z_]+)(\\{[^}]*\\})? ([0-9.eE+-]+)$");

    /** A pod's vllm:* samples, summed over label sets. */
    Map<String, Double> metrics(String pod) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://" + pod + "/metrics"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> out = new HashMap<>();
        for (String line : body.split("\n")) {
            Matcher m = SAMPLE.matcher(line.trim());
            if (m.matches()) {
                out.merge(m.group(1), Double.parseDouble(m.group(3)), Double::sum);
            }
        }
        return out;
    }

    /** One metric summed over every pod. */
    double total(String metric) throws IOException, InterruptedException {
        double sum = 0;
        for (String pod : pods) {
            sum += metrics(pod).getOrDefault(metric, 0.0);
        }
        return sum;
    }

    private void awaitMetrics(String pod, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://" + pod + "/metrics"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            int i = pods.indexOf(pod);
            if (!processes.get(i).isAlive()) {
                throw new IllegalStateException("sim " + pod + " exited with " + processes.get(i).exitValue()
                    + "; its log is in target/side-by-side");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("sim " + pod + " did not serve /metrics within " + limit);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
