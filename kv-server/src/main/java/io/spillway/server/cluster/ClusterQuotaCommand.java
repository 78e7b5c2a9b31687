package io.spillway.server.cluster;

import io.grpc.ChannelCredentials;
import io.spillway.config.Sizes;
import io.spillway.control.v1.SetTenantQuotaReply;
import io.spillway.control.v1.SetTenantQuotaRequest;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway cluster quota --tenant T --cpu SIZE}: sets a tenant's cluster-wide CPU-tier quota through any
 * member ({@code --cpu 0} removes it); every member enforces its share.
 */
@Command(name = "quota", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Sets a tenant's cluster-wide CPU-tier quota (0 removes it); each member enforces quota/members.")
public final class ClusterQuotaCommand implements Callable<Integer> {
    @Option(names = "--tenant", required = true, description = "the tenant (as in its namespaces)")
    String tenant;

    @Option(names = "--cpu", required = true, paramLabel = "SIZE",
        description = "most bytes of the tenant's blocks in all CPU tiers together, e.g. 64g; 0 = no quota")
    String cpu;

    @Mixin
    SeedOptions target = new SeedOptions();

    private final PrintStream out;
    private final PrintStream err;

    public ClusterQuotaCommand() {
        this(System.out, System.err);
    }

    public ClusterQuotaCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        ChannelCredentials credentials;
        try {
            credentials = target.credentials();
        } catch (IllegalArgumentException e) {
            err.println("spillway cluster quota: " + e.getMessage());
            return 2;
        }
        long bytes;
        try {
            bytes = cpu.trim().equals("0") ? 0 : Sizes.parse("--cpu", cpu);
        } catch (IllegalArgumentException e) {
            err.println("spillway cluster quota: " + e.getMessage());
            return 2;
        }
        ControlCalls.Answer<SetTenantQuotaReply> a = ControlCalls.first(target.seeds, credentials, target.timeoutMs,
            stub -> stub.setTenantQuota(SetTenantQuotaRequest.newBuilder().setTenant(tenant).setCpuBytes(bytes)
                .build()));
        if (!a.answered()) {
            err.println("spillway cluster quota: not set");
            a.failures().forEach(f -> err.println("  " + f));
            return 1;
        }
        SetTenantQuotaReply r = a.value();
        if (r.getCpuBytes() == 0) {
            out.printf("tenant %s: no CPU quota (via %s)%n", r.getTenant(), a.seed());
        } else {
            out.printf("tenant %s: CPU quota %d bytes cluster-wide, %d per node now (via %s)%n", r.getTenant(),
                r.getCpuBytes(), r.getNodeShareBytes(), a.seed());
        }
        return 0;
    }
}
