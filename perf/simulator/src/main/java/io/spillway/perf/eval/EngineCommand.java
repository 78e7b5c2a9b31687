package io.spillway.perf.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/spillway bench engine}: simulated vLLM pods serving the OpenAI API until stopped. */
@Command(name = "engine", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Simulated vLLM pods in one JVM, each on its own port: /v1/completions, /v1/chat/completions "
        + "(streaming), /tokenize, /v1/models, /health, /metrics (vllm:*). Runs until stopped.",
        "Sizes and costs as bench eval's simulated pods (docs/evaluation.md)."})
public final class EngineCommand implements Callable<Integer> {
    @Option(names = "--pods", defaultValue = "1", description = "Pods to start (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "The first pod's port; the others follow "
        + "(0: any free ports; default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--events-port", defaultValue = "-1", description = "The first pod's KV-event port (ZMQ PUB, "
        + "vLLM's format); the others follow (0: any free ports; default: none).")
    int eventsPort;

    @Option(names = "--model", defaultValue = "meta-llama/Llama-3.1-8B-Instruct", description = "The model name "
        + "served (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--gpu-blocks", defaultValue = "16384", description = "KV blocks of 16 tokens per pod (default: "
        + "${DEFAULT-VALUE}).")
    int gpuBlocks;

    @Option(names = "--chat-model", paramLabel = "DIR", description = "A model's tokenizer.json and "
        + "tokenizer_config.json (its chat template): requests are tokenized and chat requests templated as vLLM "
        + "does (default: a token per 4 characters, chat as role: content lines, as the router's approximate mode).")
    Path chatModel;

    @Override
    public Integer call() throws Exception {
        if (pods < 1) {
            throw new IllegalArgumentException("--pods must be >= 1, got " + pods);
        }
        EnginePrompts prompts = chatModel == null ? EnginePrompts.approximate(model)
            : EnginePrompts.model(chatModel, model);
        EngineParams params = EngineParams.defaults().withGpuBlocks(gpuBlocks);
        List<EngineServer> servers = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            servers.forEach(EngineServer::close);
            stopped.countDown();
        }));
        for (int p = 0; p < pods; p++) {
            EngineServer server = new EngineServer(host, port == 0 ? 0 : port + p,
                eventsPort <= 0 ? eventsPort : eventsPort + p, EngineServer.namespaceOf(model), params, null, prompts);
            servers.add(server);
            System.out.printf("simulated pod %d serving %s (%s) on http://%s:%d%s%n", p, model, prompts.describe(),
                host, server.port(),
                server.eventsPort() < 0 ? "" : ", KV events on tcp://" + host + ":" + server.eventsPort());
        }
        stopped.await();
        return 0;
    }
}
