package io.spillway.server.cluster;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/spillway cluster <status|tenants|quota>}: the operator's commands against a running cluster. */
@Command(name = "spillway cluster", mixinStandardHelpOptions = true,
    subcommands = {ClusterStatusCommand.class, ClusterTenantsCommand.class, ClusterQuotaCommand.class},
    description = "Commands against a running cluster, through any member's control plane.")
public final class ClusterMain implements Callable<Integer> {
    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterMain()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.err);
        return 2;
    }
}
