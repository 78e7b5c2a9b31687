package io.spillway.bridge.agent;

import io.spillway.bridge.Backend;
import io.spillway.bridge.NativeBridge;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/spillway agent}: the agent beside one vLLM worker ({@link BridgeAgent}); runs until stopped. */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Runs beside one vLLM worker: its Spillway connector talks to it over a Unix socket; it maps the "
        + "worker's KV tensors and moves blocks between them and a Spillway node."})
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "The control socket.")
    Path socket;

    @Option(names = "--server", defaultValue = "127.0.0.1:7600", paramLabel = "HOST:PORT",
        description = "A Spillway node's data address (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--control-port", defaultValue = "7601", description = "Its control port (default: "
        + "${DEFAULT-VALUE}).")
    int controlPort;

    @Option(names = "--backend", defaultValue = "cuda", description = "cuda, hip or host (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--device", defaultValue = "0", description = "The accelerator's index (default: "
        + "${DEFAULT-VALUE}).")
    int device;

    @Option(names = "--runtime-library", paramLabel = "FILE", description = "The CUDA or HIP runtime library to load "
        + "(default: libcudart.so / libamdhip64.so by the loader's search).")
    String library;

    @Option(names = "--slots", defaultValue = "256", description = "Pinned host slots of a block each (default: "
        + "${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--chunk-blocks", defaultValue = "32", description = "Blocks a copy-and-send step carries "
        + "(default: ${DEFAULT-VALUE}).")
    int chunkBlocks;

    @Option(names = "--tenant", defaultValue = "default", description = "The tenant blocks are keyed under "
        + "(default: ${DEFAULT-VALUE}).")
    String tenant;

    @Option(names = "--inject-copy-faults", defaultValue = "0", hidden = true, description = "Host backend, tests "
        + "only: the first N device copies of each registration fail.")
    int copyFaults;

    @Override
    public Integer call() throws Exception {
        if (!NativeBridge.isAvailable()) {
            throw new IllegalArgumentException("the native bridge did not load: " + NativeBridge.unavailabilityCause());
        }
        int colon = server.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("--server is HOST:PORT, got '" + server + "'");
        }
        int port;
        try {
            port = Integer.parseInt(server.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--server is HOST:PORT, got '" + server + "'");
        }
        AgentContext ctx = new AgentContext(socket, server.substring(0, colon), port, controlPort,
            Backend.parse(backend), device, library, slots, chunkBlocks, tenant, copyFaults);
        CountDownLatch stopped = new CountDownLatch(1);
        try (BridgeAgent agent = new BridgeAgent(ctx)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            System.out.println("agent: listening on " + socket + ", node " + server + ", backend " + backend);
            stopped.await();
        }
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new AgentCommand());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("agent: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            throw e;
        });
        System.exit(cl.execute(args));
    }
}
