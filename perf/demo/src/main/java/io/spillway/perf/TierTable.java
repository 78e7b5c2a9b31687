package io.spillway.perf;

import io.spillway.config.Sizes;
import io.spillway.server.TierChain;
import io.spillway.tier.TierCounters;
import java.io.PrintStream;
import java.util.Locale;

/** What each tier of a node holds and did: gauges and counters from its {@link TierCounters}. */
final class TierTable {
    private final PrintStream out;

    TierTable(PrintStream out) {
        this.out = out;
    }

    void print(TierChain tiers) {
        out.printf(Locale.ROOT, "%-5s %10s %7s %10s %6s %6s %6s %9s %9s %10s %9s %7s%n", "tier", "capacity", "blocks",
            "bytes", "hits", "misses", "puts", "evictions", "demotions", "promotions", "backpress", "dropped");
        for (TierChain.Stage stage : tiers.stages()) {
            TierCounters c = stage.tier().counters();
            out.printf(Locale.ROOT, "%-5s %10s %7d %10s %6d %6d %6d %9d %9d %10d %9d %7d%n",
                stage.tier().kind().name().toLowerCase(Locale.ROOT), Sizes.human(stage.capacityBytes()),
                c.blocks.get(), Sizes.human(c.bytes.get()), c.hits.sum(), c.misses.sum(), c.puts.sum(),
                c.evictions.sum(), c.demotions.sum(), c.promotions.sum(), c.backPressured.sum(), c.dropped.sum());
        }
    }
}
