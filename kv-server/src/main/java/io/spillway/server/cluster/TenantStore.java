package io.spillway.server.cluster;

import java.util.Map;

/**
 * Tenant quotas: per tenant, the most bytes its blocks may take in the CPU tiers of all members together
 * ({@code 0} or absent: no quota). Standalone, a file under the data dir; in a cluster, Ignite's replicated
 * {@code spillway-tenants} cache, so every member enforces the same quotas. Small and rarely written.
 */
public interface TenantStore {
    /** Sets (or with {@code cpuBytes == 0} removes) a tenant's quota. */
    void setCpuQuota(String tenant, long cpuBytes);

    /** Every tenant with a quota, and its quota in bytes. */
    Map<String, Long> cpuQuotas();

    /** Calls {@code listener} after each change, made here or (in a cluster) by another member. */
    void onChange(Runnable listener);

    /** Checks a tenant name and quota before they are stored. */
    static void validate(String tenant, long cpuBytes) {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("a tenant name must not be empty");
        }
        if (cpuBytes < 0) {
            throw new IllegalArgumentException("a CPU quota must be >= 0 bytes, got " + cpuBytes + " for tenant "
                + tenant);
        }
    }
}
