package io.spillway.server;

import io.spillway.key.BlockKey;
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
            return DefaultTiers.open(context, null);
        }

        @Override
        public TierChain open(ServerContext context, Function<BlockKey, String> tenantOf) {
            return DefaultTiers.open(context, tenantOf);
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
}
