package io.spillway.perf.eval.sidebyside;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * llm-d's endpoint picker, run by bin/llmd-epp's program (GIE v1.4.0 ext_proc server and scheduler, llm-d v0.7.1's
 * plugins registered), over the sims as the endpoints of one pod at 127.0.0.1, with llm-d's default configuration
 * (GIE's built-in: prefix-cache scorer 3, queue 2, KV utilisation 2, max-score picker) or a given one. It takes no
 * KV events: its prefix scorer learns from its own decisions, as llm-d's default does.
 */
final class LlmdEppRouter implements ComparedRouter {
    private final Process process;
    private final int port;

    private LlmdEppRouter(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** @param configText an EndpointPickerConfig, or null for llm-d's default */
    static Factory factory(Path binary, Path log, String configText) {
        return new Factory() {
            @Override
            public String name() {
                return "llm-d EPP (" + (configText == null ? "default configuration" : "given configuration") + ")";
            }

            @Override
            public ComparedRouter start(List<String> pods, int eventsPort, int[] ports, String model) throws Exception {
                String targetPorts = pods.stream().map(p -> p.substring(p.lastIndexOf(':') + 1))
                    .collect(Collectors.joining(","));
                List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--endpoint-selector",
                    "app=sim", "--endpoint-target-ports", targetPorts, "--grpc-port", String.valueOf(ports[1]),
                    "--pod-ip", "127.0.0.1"));
                if (configText != null) {
                    cmd.addAll(List.of("--config-text", configText));
                }
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
                Process p = pb.start();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
                String line = out.readLine(); // "llmdepp: serving ext_proc on PORT", or null when it failed
                if (line == null || !line.startsWith("llmdepp: serving")) {
                    p.waitFor(5, TimeUnit.SECONDS);
                    p.destroyForcibly();
                    throw new IllegalStateException("llmdepp did not start: " + line + "\n" + Files.readString(log));
                }
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep its stdout from filling
                        }
                    } catch (IOException ended) {
                        // the process ended
                    }
                }, "llmdepp-stdout");
                drain.setDaemon(true);
                drain.start();
                return new LlmdEppRouter(p, ports[1]);
            }
        };
    }

    @Override
    public String name() {
        return "llm-d EPP";
    }

    @Override
    public int extProcPort() {
        return port;
    }

    @Override
    public long eventBlocksSeen() {
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
