package io.spillway.server.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;

/**
 * {@link TenantStore} over the replicated {@code spillway-tenants} cache: key = tenant, value = its CPU quota in
 * bytes as decimal text. Every member holds the whole cache; a continuous query tells this member of changes made
 * anywhere, and the listeners run on the member's {@code spillway-cluster} thread, never on Ignite's.
 *
 * <p>Reads answer from the values the continuous query delivered (seeded from the local replica at start), not
 * from a re-read of the local replica, which can miss entries while partitions move after a topology change.
 */
final class IgniteTenantStore implements TenantStore, AutoCloseable {
    private final IgniteCache<String, String> cache;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final QueryCursor<?> query;
    private final Map<String, Long> quotas = new ConcurrentHashMap<>();

    /** @param worker runs a task on the member's cluster thread */
    IgniteTenantStore(IgniteCache<String, String> cache, Consumer<Runnable> worker) {
        this.cache = cache;
        ContinuousQuery<String, String> q = new ContinuousQuery<>();
        q.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends String> e : events) {
                if (e.getEventType() == EventType.REMOVED || e.getEventType() == EventType.EXPIRED
                    || e.getValue() == null) { // a removal's event carries the old value
                    quotas.remove(e.getKey());
                } else {
                    quotas.put(e.getKey(), Long.parseLong(e.getValue()));
                }
            }
            worker.accept(() -> listeners.forEach(Runnable::run));
        });
        this.query = cache.query(q);
        for (Cache.Entry<String, String> e : IgniteMembership.local(cache)) {
            quotas.putIfAbsent(e.getKey(), Long.parseLong(e.getValue()));
        }
    }

    @Override
    public void setCpuQuota(String tenant, long cpuBytes) {
        TenantStore.validate(tenant, cpuBytes);
        if (cpuBytes == 0) {
            cache.remove(tenant);
            quotas.remove(tenant);
        } else {
            cache.put(tenant, Long.toString(cpuBytes));
            quotas.put(tenant, cpuBytes);
        }
    }

    /** Stores {@code cpuBytes} for a tenant unless the cache already has a quota for it (a joining node's seed). */
    void seed(String tenant, long cpuBytes) {
        TenantStore.validate(tenant, cpuBytes);
        if (cpuBytes > 0 && cache.putIfAbsent(tenant, Long.toString(cpuBytes))) {
            quotas.put(tenant, cpuBytes);
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

    @Override
    public void close() {
        query.close();
    }
}
