package io.spillway.server.cluster;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where the {@code bin/spillway cluster} commands reach the cluster: any member's control address, a deadline. */
final class SeedOptions {
    @Option(names = "--seed", paramLabel = "HOST:PORT", split = ",",
        description = "control-plane address of any member (repeatable; default 127.0.0.1:7601)")
    List<String> seeds = new ArrayList<>(List.of("127.0.0.1:7601"));

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "deadline per call (default 5000)")
    long timeoutMillis = 5_000;
}
