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
    /** How a tenant entry is named in the log and told apart from a namespace entry of the same key. */
    private static final String TENANT_ENTRY = "tenant ";

    /**
     * @param worker runs a task on the member's cluster thread
     * @param malformed told of each entry that is not a tenant name with a quota in decimal text; such an entry is
     *     skipped (its tenant has no quota here) instead of throwing inside Ignite's commit
     */
    IgniteTenantStore(IgniteCache<String, String> cache, Consumer<Runnable> worker, MalformedMetadata malformed) {
        this.cache = cache;
        ContinuousQuery<String, String> q = new ContinuousQuery<>();
        q.setLocalListener(events -> {
            for (CacheEntryEvent<?, ?> e : events) { // wildcards: a foreign writer may have stored other types
                Object key = e.getKey();
                Object value = e.getValue();
                Long quota = value == null ? null : quota(key, value, malformed);
                if (e.getEventType() == EventType.REMOVED || e.getEventType() == EventType.EXPIRED
                    || quota == null) { // a removal's event carries the old value
                    quotas.remove(NamespaceRecord.text(key));
                } else {
                    quotas.put((String) key, quota);
                }
            }
            worker.accept(() -> listeners.forEach(Runnable::run));
        });
        this.query = cache.query(q);
        for (Cache.Entry<?, ?> e : IgniteMembership.local(cache)) {
            Object key = e.getKey();
            Object value = e.getValue();
            Long quota = value == null ? null : quota(key, value, malformed);
            if (quota != null) {
                quotas.putIfAbsent((String) key, quota);
            }
        }
    }

    /** The entry's quota, or {@code null} (told to {@code malformed}) when it is not a tenant and a quota. */
    private static Long quota(Object key, Object value, MalformedMetadata malformed) {
        String problem = null;
        long quota = 0;
        if (!(key instanceof String)) {
            problem = "the tenant is not text";
        } else if (!(value instanceof String text)) {
            problem = "the quota is a " + value.getClass().getName() + ", not text";
        } else {
            try {
                quota = Long.parseLong(text);
                problem = quota < 0 ? "negative quota" : null;
            } catch (NumberFormatException e) {
                problem = "the quota is not a whole number of bytes";
            }
        }
        if (problem != null) {
            malformed.skipped(TENANT_ENTRY + NamespaceRecord.text(key), NamespaceRecord.text(value), problem);
            return null;
        }
        return quota;
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
