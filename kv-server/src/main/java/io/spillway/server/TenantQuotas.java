package io.spillway.server;

import io.spillway.key.Namespace;
import io.spillway.server.cluster.ClusterView;
import io.spillway.server.cluster.TenantStore;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.GroupUsage;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Tenant quotas on this node (docs/cluster.md, "Tenants and quotas"). A quota is the most bytes a tenant's blocks
 * may take in the CPU tiers of the whole cluster, every replica counted. Block keys are hashes, so a tenant's
 * blocks spread evenly over the members, and each member enforces an even share: {@code ceil(quota / members)}
 * bytes of its CPU tier. A put that takes the tenant over its share demotes the tenant's own least recently used
 * CPU-tier blocks to NVMe; other tenants' blocks are never pushed out for it, and no put is refused for a quota.
 *
 * <p>The quotas live in a {@link TenantStore}: a file under the data dir, or in a cluster the replicated one (the
 * file then mirrors it, so a cluster restarted from scratch gets its quotas back from any member). Shares are
 * re-applied whenever a quota changes anywhere and whenever the membership changes.
 */
public final class TenantQuotas {
    private static final Logger LOG = System.getLogger(TenantQuotas.class.getName());

    /** One tenant as this node sees it. */
    public record Tenant(String name, long cpuQuotaBytes, long nodeShareBytes, GroupUsage usage, int namespaces) {
    }

    private final NamespaceRegistry namespaces;
    private final CpuTier cpu;
    private final FileTenantStore file;
    private final Supplier<ClusterView> cluster;
    private volatile TenantStore store;
    private final Map<String, Long> applied = new HashMap<>();

    /** @param cpu the CPU tier that enforces shares, or null when this node's CPU tier cannot (test tiers) */
    TenantQuotas(NamespaceRegistry namespaces, CpuTier cpu, FileTenantStore file, Supplier<ClusterView> cluster) {
        this.namespaces = namespaces;
        this.cpu = cpu;
        this.file = file;
        this.cluster = cluster;
        this.store = file;
        file.onChange(this::apply);
    }

    /** From now on the quotas come from the cluster's replicated {@code store}, mirrored into the file. */
    void replicate(TenantStore clusterStore) {
        clusterStore.onChange(this::apply);
        this.store = clusterStore;
        apply();
    }

    /** Whether this node can enforce quotas (its CPU tier groups blocks by tenant). */
    public boolean enforced() {
        return cpu != null && cpu.context().groupOf() != null;
    }

    /**
     * Sets a tenant's cluster-wide CPU quota ({@code 0}: none) in the store every member reads; the store's change
     * listener applies it (at once standalone, through the continuous query in a cluster).
     *
     * @throws IllegalStateException when this node's CPU tier cannot enforce quotas
     */
    public void set(String tenant, long cpuBytes) {
        if (!enforced()) {
            throw new IllegalStateException("this node's CPU tier cannot enforce tenant quotas");
        }
        store.setCpuQuota(tenant, cpuBytes);
    }

    /** The cluster-wide quota of a tenant, 0 for none. */
    public long quota(String tenant) {
        return store.cpuQuotas().getOrDefault(tenant, 0L);
    }

    /** This node's share of a quota: {@code ceil(quota / members)}, 0 for no quota. */
    public long share(long quota) {
        if (quota <= 0) {
            return 0;
        }
        long members = Math.max(1, members());
        return (quota + members - 1) / members;
    }

    private int members() {
        ClusterView c = cluster.get();
        return c == null ? 1 : c.currentMap().nodes().size();
    }

    /** Brings every tenant's limit in the CPU tier to its current share (and drops limits of removed quotas). */
    public synchronized void apply() {
        Map<String, Long> quotas = store.cpuQuotas();
        if (store != file) {
            file.mirror(quotas);
        }
        if (!enforced()) {
            return;
        }
        Map<String, Long> next = new HashMap<>();
        quotas.forEach((t, q) -> next.put(t, share(q)));
        next.forEach((t, share) -> {
            if (!share.equals(applied.get(t))) {
                cpu.setGroupLimit(t, share);
                LOG.log(Level.DEBUG, () -> "tenant " + t + ": CPU-tier share " + share + " bytes");
            }
        });
        for (String t : applied.keySet()) {
            if (!next.containsKey(t)) {
                cpu.setGroupLimit(t, Long.MAX_VALUE);
            }
        }
        applied.clear();
        applied.putAll(next);
    }

    /** Every tenant of a namespace, with a quota, or with blocks here: sorted by name. */
    public List<Tenant> tenants() {
        Map<String, Integer> perTenant = new HashMap<>();
        for (Namespace ns : namespaces.all().values()) {
            perTenant.merge(ns.tenant(), 1, Integer::sum);
        }
        Map<String, Long> quotas = store.cpuQuotas();
        Map<String, GroupUsage> usage = cpu == null ? Map.of() : cpu.groupUsage();
        TreeSet<String> names = new TreeSet<>(perTenant.keySet());
        names.addAll(quotas.keySet());
        names.addAll(usage.keySet());
        List<Tenant> out = new ArrayList<>(names.size());
        for (String t : names) {
            long q = quotas.getOrDefault(t, 0L);
            out.add(new Tenant(t, q, share(q), usage.getOrDefault(t, new GroupUsage(0, 0, Long.MAX_VALUE, 0)),
                perTenant.getOrDefault(t, 0)));
        }
        return out;
    }
}
