package io.spillway.server;

import io.spillway.server.cluster.TenantStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A standalone node's {@link TenantStore}: {@code tenants.properties} under the data dir ({@code <tenant>=<bytes>}),
 * rewritten through a temporary file on every change, so quotas survive a restart. In a cluster its entries seed
 * the replicated store once, at join.
 */
final class FileTenantStore implements TenantStore {
    static final String FILE = "tenants.properties";

    private final Path file;
    private final Map<String, Long> quotas = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    private FileTenantStore(Path file) {
        this.file = file;
    }

    static FileTenantStore open(Path dataDir) {
        FileTenantStore s = new FileTenantStore(dataDir.resolve(FILE));
        Properties p = PropertiesFile.load(s.file, "tenant quotas");
        for (String tenant : p.stringPropertyNames()) {
            String v = p.getProperty(tenant);
            try {
                s.quotas.put(tenant, Long.parseLong(v.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad quota '" + v + "' for tenant " + tenant + " in " + s.file);
            }
        }
        return s;
    }

    @Override
    public synchronized void setCpuQuota(String tenant, long cpuBytes) {
        TenantStore.validate(tenant, cpuBytes);
        Long before = cpuBytes == 0 ? quotas.remove(tenant) : quotas.put(tenant, cpuBytes);
        if (before == null ? cpuBytes != 0 : before != cpuBytes) {
            persist();
        }
        listeners.forEach(Runnable::run);
    }

    /** Makes the file hold exactly {@code quotas} (the cluster's), without telling listeners; a no-op when equal. */
    synchronized void mirror(Map<String, Long> quotas) {
        if (!quotas.equals(this.quotas)) {
            this.quotas.clear();
            this.quotas.putAll(quotas);
            persist();
        }
    }

    @Override
    public Map<String, Long> cpuQuotas() {
        return Map.copyOf(quotas);
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void persist() {
        Properties p = new Properties();
        quotas.forEach((t, b) -> p.setProperty(t, Long.toString(b)));
        PropertiesFile.store(file, p, "Spillway tenant quotas: <tenant>=<CPU-tier bytes, cluster-wide>",
            "tenant quotas");
    }
}
