package io.spillway.perf.sim;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.ConcurrentMap;

/**
 * Caffeine's W-TinyLFU configured as {@code CpuTier} configures its index: {@code maximumWeight} in bytes, a byte
 * weigher, eviction on the calling thread ({@code executor(Runnable::run)}). A lookup is {@code getIfPresent} (as
 * {@code CpuTier.get}); an insert of a cached block does nothing (as {@code CpuTier.reserve}, which answers
 * "present" after {@code containsKey}, an access Caffeine does not record), otherwise {@code putIfAbsent}.
 *
 * <p>Not exactly repeatable: Caffeine admits a candidate whose frequency is at least 6 but not above the victim's
 * with probability 1/128 from {@code ThreadLocalRandom} (its defence against hash flooding).
 */
public final class CaffeinePolicy implements EvictionPolicy {
    private final Cache<Long, Boolean> cache;
    private final ConcurrentMap<Long, Boolean> map;

    /**
     * @param capacityBlocks blocks the index holds
     * @param blockBytes     bytes of one block, what the weigher answers for every block
     */
    public CaffeinePolicy(long capacityBlocks, int blockBytes) {
        if (capacityBlocks < 1) {
            throw new IllegalArgumentException("capacityBlocks " + capacityBlocks + " < 1");
        }
        if (blockBytes < 1) {
            throw new IllegalArgumentException("blockBytes " + blockBytes + " < 1");
        }
        this.cache = Caffeine.newBuilder()
            .maximumWeight(Math.multiplyExact(capacityBlocks, (long) blockBytes))
            .weigher((Long k, Boolean v) -> blockBytes)
            .executor(Runnable::run)
            .build();
        this.map = cache.asMap();
    }

    @Override
    public String name() {
        return "w-tinylfu";
    }

    @Override
    public boolean lookup(long key) {
        return cache.getIfPresent(key) != null;
    }

    @Override
    public void insert(long key) {
        if (!map.containsKey(key)) {
            map.putIfAbsent(key, Boolean.TRUE);
        }
    }
}
