package io.spillway.server;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierListener;
import java.util.function.Function;

/**
 * Opens the node's tier chain from its context. The default opens the CPU tier in front of the NVMe tier;
 * tests inject in-memory tiers through {@link ServerContext.Builder#tierFactory(TierFactory)}.
 */
@FunctionalInterface
public interface TierFactory {
    TierFactory DEFAULT = new TierFactory() {
        @Override
        public TierChain open(ServerContext context) {
            return DefaultTiers.open(context, null, TierListener.NONE);
        }

        @Override
        public TierChain open(ServerContext context, Function<BlockKey, String> tenantOf) {
            return DefaultTiers.open(context, tenantOf, TierListener.NONE);
        }

        @Override
        public TierChain open(ServerContext context, Function<BlockKey, String> tenantOf, TierListener listener) {
            return DefaultTiers.open(context, tenantOf, listener);
        }
    };

    TierChain open(ServerContext context);

    /**
     * Opens the chain with each namespace's tenant known, so a tier that can enforce tenant quotas does (the
     * default CPU tier); factories whose tiers cannot ignore it.
     */
    default TierChain open(ServerContext context, Function<BlockKey, String> tenantOf) {
        return open(context);
    }

    /**
     * Opens the chain with each namespace's tenant known and a listener the tiers tell of every change of the keys
     * they hold (the node's event feed, docs/events.md); factories whose tiers cannot report ignore it, and their
     * node's feed then publishes only heartbeats.
     */
    default TierChain open(ServerContext context, Function<BlockKey, String> tenantOf, TierListener listener) {
        return open(context, tenantOf);
    }
}
