package io.spillway.server.cluster;

import io.spillway.server.ServerContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where the {@code bin/spillway cluster} commands reach the cluster: any member's control address, a deadline. */
final class SeedOptions {
    /** A member on this host at the node's default control port. */
    static final String SEED_DEFAULT = ServerContext.BIND_DEFAULT + ":" + ServerContext.CONTROL_PORT_DEFAULT;
    static final long TIMEOUT_MS_DEFAULT = 5_000;

    @Option(names = "--seed", paramLabel = "HOST:PORT", split = ",",
        description = "control-plane address of any member (repeatable; default " + SEED_DEFAULT + ")")
    List<String> seeds = new ArrayList<>(List.of(SEED_DEFAULT));

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "deadline per call (default " + TIMEOUT_MS_DEFAULT
        + ")")
    long timeoutMs = TIMEOUT_MS_DEFAULT;
}
