package io.spillway.server.cluster;

import io.spillway.key.BlockKey;
import java.util.HashMap;
import java.util.Map;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * {@link NamespaceStore} over the replicated, transactional {@code spillway-namespaces} cache. Keys are namespace
 * ids in hex, values {@code "<replication> <epoch>\n<spec>"}; the key {@value #EPOCH_KEY} holds the metadata epoch.
 * A registration runs in a pessimistic transaction that locks the epoch key, so registrations are serialised
 * cluster-wide and each one that sets a replication factor gets the next epoch. Entries that cannot be parsed
 * ({@link NamespaceRecord}) are skipped by every read, and replaced by a registration of their id.
 */
final class IgniteNamespaceStore implements NamespaceStore {
    static final String EPOCH_KEY = "epoch";

    private final Ignite ignite;
    private final IgniteCache<String, String> cache;

    IgniteNamespaceStore(Ignite ignite, IgniteCache<String, String> cache) {
        this.ignite = ignite;
        this.cache = cache;
    }

    @Override
    public Entry register(BlockKey id, String spec, int replication) {
        String key = id.toHex();
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
            TransactionIsolation.REPEATABLE_READ)) {
            String epochText = cache.get(EPOCH_KEY);
            long epoch = epochText == null ? 0 : Long.parseLong(epochText);
            IgniteCache<String, ?> any = cache; // a foreign writer may have stored another type
            Object stored = any.get(key);
            NamespaceRecord current = NamespaceRecord.parse(key, stored);
            if (current != null) { // a malformed entry is replaced
                Entry e = current.entry();
                if (!e.spec().equals(spec) || replication == 0 || replication == e.replication()) {
                    return e;
                }
            }
            long next = replication > 0 ? epoch + 1 : epoch;
            cache.put(key, NamespaceRecord.encode(replication, next, spec));
            if (next != epoch) {
                cache.put(EPOCH_KEY, Long.toString(next));
            }
            tx.commit();
            return new Entry(spec, replication);
        }
    }

    @Override
    public Entry get(BlockKey id) {
        IgniteCache<String, ?> any = cache; // a foreign writer may have stored another type
        Object value = any.get(id.toHex());
        NamespaceRecord r = NamespaceRecord.parse(id.toHex(), value);
        return r == null ? null : r.entry();
    }

    @Override
    public Map<BlockKey, Entry> all() {
        Map<BlockKey, Entry> out = new HashMap<>();
        for (Cache.Entry<?, ?> e : IgniteMembership.local(cache)) {
            Object key = e.getKey();
            NamespaceRecord r = EPOCH_KEY.equals(key) ? null : NamespaceRecord.parse(key, e.getValue());
            if (r != null) {
                out.put(r.id(), r.entry());
            }
        }
        return out;
    }

    /**
     * Fills {@code out} with the explicit replication factors and returns the metadata epoch they belong to. A
     * malformed entry is skipped and told to {@code malformed}, so the map is still computed from the others.
     */
    static long replication(Iterable<Map.Entry<String, String>> entries, Map<BlockKey, Integer> out,
        MalformedMetadata malformed) {
        long epoch = 0;
        for (Map.Entry<String, String> e : entries) {
            Object key = e.getKey(); // read as objects: a foreign writer may have stored another type
            Object value = e.getValue();
            if (EPOCH_KEY.equals(key)) {
                continue;
            }
            String problem = NamespaceRecord.problem(key, value);
            if (problem != null) {
                malformed.skipped(String.valueOf(key), String.valueOf(value), problem);
                continue;
            }
            NamespaceRecord r = NamespaceRecord.parse(key, value);
            epoch = Math.max(epoch, r.epoch());
            if (r.replication() > 0) {
                out.put(r.id(), r.replication());
            }
        }
        return epoch;
    }
}
