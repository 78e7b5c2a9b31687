package io.spillway.server;

import io.spillway.config.PropertySources;
import io.spillway.config.Sizes;
import io.spillway.server.cluster.ClusterContext;
import io.spillway.server.events.EventsContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway server}: runs one node until SIGTERM/SIGINT, then shuts it down gracefully. Settings load as
 * defaults &lt; {@code --config} file &lt; environment &lt; flags; prints one line with the ports once ready.
 */
@Command(name = "spillway server", mixinStandardHelpOptions = true, version = "spillway " + ControlService.VERSION,
    sortOptions = false, description = "Runs one Spillway node: data plane, gRPC control plane, metrics/health.")
public final class ServerMain implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE",
        description = "Java properties file of spillway.* settings (below the environment and the flags)")
    Path config;

    @Option(names = "--data-port", paramLabel = "PORT",
        description = "data-plane port (default " + ServerContext.DATA_PORT_DEFAULT + "; 0 = any)")
    Integer dataPort;

    @Option(names = "--control-port", paramLabel = "PORT",
        description = "gRPC control port (default " + ServerContext.CONTROL_PORT_DEFAULT + ")")
    Integer controlPort;

    @Option(names = "--http-port", paramLabel = "PORT",
        description = "metrics/health HTTP port (default " + ServerContext.HTTP_PORT_DEFAULT + ")")
    Integer httpPort;

    @Option(names = "--bind", paramLabel = "ADDRESS",
        description = "address to listen on (default " + ServerContext.BIND_DEFAULT + ")")
    String bind;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "data directory (default " + ServerContext.DATA_DIR_DEFAULT + ")")
    Path dataDir;

    @Option(names = "--cpu-capacity", paramLabel = "SIZE", description = "CPU tier size, like 512m or 4g")
    String cpuCapacity;

    @Option(names = "--nvme-capacity", paramLabel = "SIZE", description = "NVMe tier size, like 64g or 1t")
    String nvmeCapacity;

    @Option(names = "--events-port", paramLabel = "PORT",
        description = "UDP port event-feed subscribers send to (default " + EventsContext.PORT_DEFAULT
            + "; 0 picks one)")
    Integer eventsPort;

    @Option(names = "--cluster", description = "join a cluster (" + ClusterContext.ENABLED_PROP + "=true)")
    Boolean cluster;

    @Option(names = "--node-name", paramLabel = "NAME",
        description = "stable cluster node name (default host-dataPort)")
    String nodeName;

    @Option(names = "--zone", paramLabel = "ZONE",
        description = "failure zone for replica placement (default " + ClusterContext.ZONE_DEFAULT + ")")
    String zone;

    @Option(names = "--seeds", paramLabel = "ADDRS",
        description = "static discovery addresses, host:port[..port],... (default " + ClusterContext.SEEDS_DEFAULT
            + ")")
    String seeds;

    @Option(names = "--discovery-port", paramLabel = "PORT",
        description = "cluster discovery port (default " + ClusterContext.DISCOVERY_PORT_DEFAULT + ")")
    Integer discoveryPort;

    @Option(names = "--communication-port", paramLabel = "PORT",
        description = "cluster communication port (default " + ClusterContext.COMMUNICATION_PORT_DEFAULT + ")")
    Integer communicationPort;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any spillway.* setting (repeatable)")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--print-config", description = "print the effective settings and exit")
    boolean printConfig;

    private final Map<String, String> environment;
    private final CountDownLatch stopped = new CountDownLatch(1);

    ServerMain(Map<String, String> environment) {
        this.environment = environment;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> env) {
        return new CommandLine(new ServerMain(env)).execute(args);
    }

    /**
     * Spillway's own log records go to stderr through a handler of their own: the embedded Ignite reconfigures
     * java.util.logging's root when it starts, which otherwise silences a cluster member's INFO and WARNING lines.
     */
    private static final Logger SPILLWAY_LOG = ownHandler("io.spillway");

    private static Logger ownHandler(String name) {
        Logger log = Logger.getLogger(name);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.ALL);
        log.addHandler(handler);
        log.setUseParentHandlers(false);
        return log;
    }

    /** The node's context from the file, the environment and these flags, in that order of precedence. */
    ServerContext context() {
        PropertySources sources = new PropertySources().renamed(ServerContext.RENAMED_PROPERTIES);
        if (config != null) {
            sources.file(config);
        }
        sources.environment(environment);
        sources.overrides(settings, "--set");
        Map<String, String> flags = new LinkedHashMap<>();
        putIf(flags, ServerContext.DATA_PORT_PROP, dataPort);
        putIf(flags, ServerContext.CONTROL_PORT_PROP, controlPort);
        putIf(flags, ServerContext.HTTP_PORT_PROP, httpPort);
        putIf(flags, ServerContext.BIND_PROP, bind);
        putIf(flags, ServerContext.DATA_DIR_PROP, dataDir);
        putIf(flags, ServerContext.CPU_CAPACITY_PROP, cpuCapacity);
        putIf(flags, ServerContext.NVME_CAPACITY_PROP, nvmeCapacity);
        putIf(flags, EventsContext.PORT_PROP, eventsPort);
        putIf(flags, ClusterContext.ENABLED_PROP, cluster);
        putIf(flags, ClusterContext.NODE_NAME_PROP, nodeName);
        putIf(flags, ClusterContext.ZONE_PROP, zone);
        putIf(flags, ClusterContext.SEEDS_PROP, seeds);
        putIf(flags, ClusterContext.DISCOVERY_PORT_PROP, discoveryPort);
        putIf(flags, ClusterContext.COMMUNICATION_PORT_PROP, communicationPort);
        sources.overrides(flags, "command line");
        return ServerContext.builder().load(sources).build();
    }

    private static void putIf(Map<String, String> flags, String key, Object value) {
        if (value != null) {
            flags.put(key, value.toString());
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerContext ctx;
        try {
            ctx = context();
        } catch (IllegalArgumentException e) {
            System.err.println("spillway server: " + e.getMessage());
            return 2;
        }
        if (printConfig) {
            ctx.settings().forEach((k, v) -> System.out.println(k + "=" + v));
            return 0;
        }
        SpillwayServer server = SpillwayServer.start(ctx);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "spillway-shutdown"));
        System.out.println("spillway node " + ctx.nodeId() + " ready: data=" + ctx.bind() + ":" + server.dataPort()
            + " control=" + server.controlPort() + " http=" + server.httpPort()
            + (server.feed() != null ? " events=" + server.feed().localAddresses() : "") + " dataDir=" + ctx.dataDir()
            + " cpu=" + Sizes.exact(ctx.cpuCapacityBytes()) + " nvme=" + Sizes.exact(ctx.nvmeCapacityBytes())
            + (server.cluster().clustered() ? " cluster=" + server.cluster().self().id() + " map="
                + server.cluster().currentMap().topologyVersion() : ""));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
