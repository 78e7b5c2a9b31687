package io.spillway.perf.feed;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The feed's acceptance check on real processes (docs/events.md): three node JVMs in one cluster (replication 2)
 * under random puts that overflow both tiers, one node SIGKILLed and one SIGTERMed and both started again, 5% of the
 * data frames dropped by the nodes' drivers and 5% by the subscribers'; one subscriber started late, one restarted
 * with an empty index mid-run. After the load stops, both indexes must equal what the nodes' tiers hold, exactly.
 */
class FeedConvergenceIT {
    @Test
    void everySubscriberEndsWithTheNodesTrueBlockSets() throws Exception {
        FeedConvergence.Settings d = FeedConvergence.Settings.defaults();
        FeedConvergence.Settings s = new FeedConvergence.Settings(d.nodes(), 30, d.replication(), d.cpuCapacity(),
            d.nvmeCapacity(), d.blockBytes(), d.keys(), d.sendLoss(), d.receiveLoss(), d.seed(), 60);
        FeedConvergence.Report r = new FeedConvergence(s, Path.of("target", "it", "FeedConvergenceIT"), System.out)
            .run();
        String summary = FeedCommand.describe(r);
        System.out.println(summary);
        assertTrue(r.converged(), summary);
        assertTrue(r.puts() > 100, "the load ran: " + summary);
        for (FeedConvergence.Follower f : r.followers()) {
            assertTrue(f.indexSize() > 1000, "the index holds the cluster's blocks: " + summary);
            assertTrue(f.snapshots() >= 3, "every node's session was loaded from a snapshot: " + summary);
            assertTrue(f.naksSent() > 0, "frames were lost and recovered on the UDP path: " + summary);
        }
    }
}
