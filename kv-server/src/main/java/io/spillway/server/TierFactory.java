package io.spillway.server;

/**
 * Opens the node's tier chain from its context. The default opens the CPU tier in front of the NVMe tier;
 * tests inject in-memory tiers through {@link ServerContext.Builder#tierFactory(TierFactory)}.
 */
@FunctionalInterface
public interface TierFactory {
    TierFactory DEFAULT = DefaultTiers::open;

    TierChain open(ServerContext context);
}
