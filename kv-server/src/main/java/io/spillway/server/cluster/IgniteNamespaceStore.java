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
 * cluster-wide and each one that sets a replication factor gets the next epoch.
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
            String current = cache.get(key);
            if (current != null) {
                Entry e = decode(current);
                if (!e.spec().equals(spec) || replication == 0 || replication == e.replication()) {
                    return e;
                }
            }
            long next = replication > 0 ? epoch + 1 : epoch;
            cache.put(key, encode(replication, next, spec));
            if (next != epoch) {
                cache.put(EPOCH_KEY, Long.toString(next));
            }
            tx.commit();
            return new Entry(spec, replication);
        }
    }

    @Override
    public Entry get(BlockKey id) {
        String v = cache.get(id.toHex());
        return v == null ? null : decode(v);
    }

    @Override
    public Map<BlockKey, Entry> all() {
        Map<BlockKey, Entry> out = new HashMap<>();
        for (Cache.Entry<String, String> e : IgniteMembership.local(cache)) {
            if (!e.getKey().equals(EPOCH_KEY)) {
                out.put(BlockKey.fromHex(e.getKey()), decode(e.getValue()));
            }
        }
        return out;
    }

    /** Fills {@code out} with the explicit replication factors and returns the metadata epoch they belong to. */
    static long replication(Iterable<Map.Entry<String, String>> entries, Map<BlockKey, Integer> out) {
        long epoch = 0;
        for (Map.Entry<String, String> e : entries) {
            if (e.getKey().equals(EPOCH_KEY)) {
                continue;
            }
            String v = e.getValue();
            int space = v.indexOf(' ');
            int nl = v.indexOf('\n');
            int r = Integer.parseInt(v.substring(0, space));
            epoch = Math.max(epoch, Long.parseLong(v.substring(space + 1, nl)));
            if (r > 0) {
                out.put(BlockKey.fromHex(e.getKey()), r);
            }
        }
        return epoch;
    }

    private static String encode(int replication, long epoch, String spec) {
        return replication + " " + epoch + "\n" + spec;
    }

    static Entry decode(String v) {
        int space = v.indexOf(' ');
        int nl = v.indexOf('\n');
        return new Entry(v.substring(nl + 1), Integer.parseInt(v.substring(0, space)));
    }
}
