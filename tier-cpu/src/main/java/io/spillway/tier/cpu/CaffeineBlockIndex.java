package io.spillway.tier.cpu;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.spillway.key.BlockKey;
import java.util.List;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * {@link CpuEvictionPolicy#W_TINYLFU}: a Caffeine cache with a byte weigher. Maintenance runs on the calling thread
 * ({@code executor(Runnable::run)}), so eviction is prompt and tests are deterministic; the eviction listener runs
 * inside the map operation that evicts, as Caffeine's {@code evictionListener} does.
 */
final class CaffeineBlockIndex implements BlockIndex {
    private final Cache<BlockKey, Block> cache;
    private final ConcurrentMap<BlockKey, Block> map;

    CaffeineBlockIndex(long maxWeight, Consumer<Block> onEviction) {
        this.cache = Caffeine.newBuilder()
            .maximumWeight(maxWeight)
            .weigher((BlockKey k, Block b) -> (int) BlockIndex.weigh(b))
            .executor(Runnable::run)
            .evictionListener((BlockKey k, Block b, RemovalCause cause) -> {
                if (b != null) {
                    onEviction.accept(b);
                }
            })
            .build();
        this.map = cache.asMap();
    }

    @Override
    public Block getAndTouch(BlockKey key) {
        return cache.getIfPresent(key);
    }

    @Override
    public boolean contains(BlockKey key) {
        return map.containsKey(key);
    }

    @Override
    public boolean touchIfPresent(BlockKey key) {
        return map.containsKey(key);
    }

    @Override
    public boolean putIfAbsent(Block block) {
        return map.putIfAbsent(block.key, block) == null;
    }

    @Override
    public Block remove(BlockKey key) {
        return map.remove(key);
    }

    @Override
    public boolean remove(BlockKey key, Block block) {
        return map.remove(key, block);
    }

    @Override
    public List<Block> hottestFirst() {
        return List.copyOf(cache.policy().eviction().orElseThrow().hottest(Integer.MAX_VALUE).values());
    }

    @Override
    public List<BlockKey> keys() {
        return List.copyOf(map.keySet());
    }

    @Override
    public void cleanUp() {
        cache.cleanUp();
    }

    @Override
    public long weight() {
        return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
