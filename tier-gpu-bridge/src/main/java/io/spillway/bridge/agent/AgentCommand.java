package io.spillway.bridge.agent;

import io.spillway.bridge.NativeBridge;
import io.spillway.config.PropertySources;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway agent}: the agent beside one vLLM worker ({@link BridgeAgent}); runs until stopped. Settings load as
 * the server's and the router's do: defaults &lt; {@code --config} file (Java properties, {@code spillway.agent.*})
 * &lt; environment ({@code SPILLWAY_AGENT_*}) &lt; flags; each flag sets one {@link AgentContext} property, whose
 * default is stated there only.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Runs beside one vLLM worker: its Spillway connector talks to it over a Unix socket; it maps the "
        + "worker's KV tensors and moves blocks between them and a Spillway node."})
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "A Java properties file of spillway.agent.* "
        + "settings (below the environment and the flags).")
    Path config;

    @Option(names = "--socket", paramLabel = "PATH", description = "The control socket (required).")
    Path socket;

    @Option(names = "--server", paramLabel = "HOST:PORT",
        description = "A Spillway node's data address (default: " + AgentContext.SERVER_DEFAULT + ").")
    String server;

    @Option(names = "--control-port", description = "Its control port (default: "
        + AgentContext.CONTROL_PORT_DEFAULT + ").")
    Integer controlPort;

    @Option(names = "--seeds", paramLabel = "HOST:PORT,...", description = "A cluster's control addresses: the "
        + "agent then reaches every node through the partition map, and --server and --control-port are not used "
        + "(default: none, one node).")
    String seeds;

    @Option(names = "--backend", description = "cuda, hip or host (default: " + AgentContext.BACKEND_DEFAULT + ").")
    String backend;

    @Option(names = "--device", description = "The accelerator's index (default: " + AgentContext.DEVICE_DEFAULT
        + ").")
    Integer device;

    @Option(names = "--runtime-library", paramLabel = "FILE", description = "The CUDA or HIP runtime library to load "
        + "(default: libcudart.so / libamdhip64.so by the loader's search).")
    String library;

    @Option(names = "--slots", description = "Pinned host slots of a block each (default: "
        + AgentContext.SLOTS_DEFAULT + ").")
    Integer slots;

    @Option(names = "--chunk-blocks", description = "Blocks a copy-and-send step carries (default: "
        + AgentContext.CHUNK_BLOCKS_DEFAULT + ").")
    Integer chunkBlocks;

    @Option(names = "--tenant", description = "The tenant blocks are keyed under (default: "
        + AgentContext.TENANT_DEFAULT + ").")
    String tenant;

    @Option(names = "--segment-prefix", description = "What the names of the shared-memory segments the agent opens "
        + "by handle start with (default: " + AgentContext.SEGMENT_PREFIX_DEFAULT + ").")
    String segmentPrefix;

    @Option(names = "--peer-uids", paramLabel = "UID,...", description = "Uids besides the agent's own that may "
        + "connect to its socket and own the segments it opens (default: none).")
    String peerUids;

    @Option(names = "--cert-file", paramLabel = "PEM", description = "The agent's client certificate chain (mutual "
        + "TLS to the nodes: a client identity of its tenant); with --key-file and --trust-file.")
    String certFile;

    @Option(names = "--key-file", paramLabel = "PEM", description = "The agent's private key, PKCS#8.")
    String keyFile;

    @Option(names = "--trust-file", paramLabel = "PEM", description = "The authorities that sign the nodes' "
        + "certificates; setting it turns TLS to the nodes on (default: plaintext).")
    String trustFile;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Token mode: the file holding the agent's "
        + "signed token; needs --trust-file.")
    String tokenFile;

    @Option(names = "--inject-copy-faults", hidden = true, description = "Host backend, tests only: the first N "
        + "device copies of each registration fail.")
    Integer copyFaults;

    private final Map<String, String> environment;

    public AgentCommand() {
        this(System.getenv());
    }

    AgentCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    /** The agent's context from the file, the environment and these flags, in that order of precedence. */
    AgentContext context() {
        PropertySources sources = new PropertySources();
        if (config != null) {
            sources.file(config);
        }
        sources.environment(environment);
        Map<String, String> flags = new LinkedHashMap<>();
        putIf(flags, AgentContext.SOCKET_PROP, socket);
        putIf(flags, AgentContext.SERVER_PROP, server);
        putIf(flags, AgentContext.CONTROL_PORT_PROP, controlPort);
        putIf(flags, AgentContext.SEEDS_PROP, seeds);
        putIf(flags, AgentContext.BACKEND_PROP, backend);
        putIf(flags, AgentContext.DEVICE_PROP, device);
        putIf(flags, AgentContext.RUNTIME_LIBRARY_PROP, library);
        putIf(flags, AgentContext.SLOTS_PROP, slots);
        putIf(flags, AgentContext.CHUNK_BLOCKS_PROP, chunkBlocks);
        putIf(flags, AgentContext.TENANT_PROP, tenant);
        putIf(flags, AgentContext.SEGMENT_PREFIX_PROP, segmentPrefix);
        putIf(flags, AgentContext.PEER_UIDS_PROP, peerUids);
        putIf(flags, AgentContext.CERT_FILE_PROP, certFile);
        putIf(flags, AgentContext.KEY_FILE_PROP, keyFile);
        putIf(flags, AgentContext.TRUST_FILE_PROP, trustFile);
        putIf(flags, AgentContext.TOKEN_FILE_PROP, tokenFile);
        sources.overrides(flags, "command line");
        AgentContext.Builder b = AgentContext.builder().load(sources);
        if (copyFaults != null) {
            b.copyFaults(copyFaults);
        }
        return b.build();
    }

    private static void putIf(Map<String, String> flags, String key, Object value) {
        if (value != null) {
            flags.put(key, value.toString());
        }
    }

    @Override
    public Integer call() throws Exception {
        AgentContext ctx = context();
        if (!NativeBridge.isAvailable()) {
            throw new IllegalArgumentException("the native bridge did not load: " + NativeBridge.unavailabilityCause());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (BridgeAgent agent = new BridgeAgent(ctx)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            System.out.println("agent: listening on " + ctx.socket() + ", " + ctx.target() + ", backend "
                + ctx.backend().name().toLowerCase(Locale.ROOT));
            System.out.flush();
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
