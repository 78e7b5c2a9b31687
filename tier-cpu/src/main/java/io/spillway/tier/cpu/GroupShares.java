package io.spillway.tier.cpu;

import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Byte shares of the index per group of namespaces (a tenant, to the server): each group's indexed blocks in
 * least-recently-used order, their bytes, and an optional limit. A put that takes a group over its limit names that
 * group's own least recently used blocks as victims, so a group at its limit makes room from its own blocks and
 * never pushes out another group's. The tier's eviction policy still orders the index as a whole; within a group
 * the order is LRU whatever the policy.
 *
 * <p>Accounting follows the index exactly: the tier adds a block here before it offers it to the index and takes
 * it out whenever it leaves the index (evicted, removed, or chosen as a victim), so a block counts only while it is
 * indexed. Blocks are counted one by one, not by key: two puts of one key racing a remove each count their own block
 * until the index has had its say, so the one that stays indexed is the one that stays counted (by key, the loser's
 * exit could take out the winner's entry). Each group has its own lock; the index's eviction listener may take a group's lock, so nothing here
 * calls the index while holding one.
 */
final class GroupShares {
    private final Function<BlockKey, String> groupOf;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    /** @param groupOf a namespace's group, or null for namespaces outside any group */
    GroupShares(Function<BlockKey, String> groupOf) {
        this.groupOf = groupOf;
    }

    private static final class Group {
        /** Counted blocks by identity (a block's equality), least recently used first. */
        final LinkedHashMap<Block, Block> lru = new LinkedHashMap<>(64, 0.75f, true);
        long bytes;
        long limit = Long.MAX_VALUE;
        long evictions;
    }

    private Group groupFor(BlockKey namespace, boolean create) {
        String name = groupOf.apply(namespace);
        if (name == null) {
            return null;
        }
        return create ? groups.computeIfAbsent(name, n -> new Group()) : groups.get(name);
    }

    /** Counts a block about to be offered to the index (before, so that an eviction inside the offer finds it). */
    void adding(Block block) {
        Group g = groupFor(block.namespace, true);
        if (g != null) {
            synchronized (g) {
                if (g.lru.putIfAbsent(block, block) == null) {
                    g.bytes += BlockIndex.weigh(block);
                }
            }
        }
    }

    /** The victims that bring {@code namespace}'s group back under its limit, taken out of the group now. */
    List<Block> overflow(BlockKey namespace) {
        Group g = groupFor(namespace, false);
        if (g == null) {
            return List.of();
        }
        synchronized (g) {
            return overflow(g);
        }
    }

    /** Takes out a block that left the index (or never entered it); a no-op for a block not counted here. */
    void left(Block block) {
        Group g = groupFor(block.namespace, false);
        if (g == null) {
            return;
        }
        synchronized (g) {
            if (g.lru.remove(block) != null) {
                g.bytes -= BlockIndex.weigh(block);
            }
        }
    }

    /** Whether {@code block} is counted (not taken out as a victim or as having left); not an access. */
    boolean counts(Block block) {
        Group g = groupFor(block.namespace, false);
        if (g == null) {
            return true;
        }
        synchronized (g) {
            return g.lru.containsKey(block);
        }
    }

    /** A read or re-put of an indexed block: it becomes its group's most recently used. */
    void touched(Block block) {
        Group g = groupFor(block.namespace, false);
        if (g != null) {
            synchronized (g) {
                g.lru.get(block);
            }
        }
    }

    /**
     * Sets a group's limit in bytes ({@link Long#MAX_VALUE}: none) and returns the victims that bring it under the
     * new limit at once.
     */
    List<Block> limit(String group, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a share limit must be >= 0 bytes, got " + bytes + " for " + group);
        }
        Group g = groups.computeIfAbsent(group, n -> new Group());
        synchronized (g) {
            g.limit = bytes;
            return overflow(g);
        }
    }

    /** Victims, least recently used first, taken out of the group now; the group's lock is held. */
    private static List<Block> overflow(Group g) {
        if (g.bytes <= g.limit) {
            return List.of();
        }
        List<Block> victims = new ArrayList<>();
        Iterator<Block> eldestFirst = g.lru.values().iterator();
        while (g.bytes > g.limit && eldestFirst.hasNext()) {
            Block victim = eldestFirst.next();
            eldestFirst.remove();
            g.bytes -= BlockIndex.weigh(victim);
            victims.add(victim);
        }
        g.evictions += victims.size();
        return victims;
    }

    /** Every group's figures, by name. */
    Map<String, GroupUsage> usage() {
        Map<String, GroupUsage> out = new HashMap<>();
        groups.forEach((name, g) -> {
            synchronized (g) {
                out.put(name, new GroupUsage(g.bytes, g.lru.size(), g.limit, g.evictions));
            }
        });
        return out;
    }
}
