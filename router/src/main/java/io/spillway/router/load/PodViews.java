package io.spillway.router.load;

import io.spillway.placement.routing.Pod;
import io.spillway.router.discovery.PodEndpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The pods as the decider takes them: discovery's endpoints with the scraper's last reading (no reading yet: an
 * idle pod) and this router's in-flight counts. A pod's waiting queue is its reading's plus the requests this router
 * sent it after that scrape began and that have not finished (at most its in-flight count): a reading is up to a
 * scrape interval old, and without them every decision in that interval sees the same queues and a burst piles onto
 * the pod that looked best (a scorer of queues herds).
 */
public final class PodViews {
    private PodViews() {
    }

    public static List<Pod> of(List<PodEndpoint> endpoints, LoadScraper loads, InFlight inFlight) {
        List<Pod> pods = new ArrayList<>(endpoints.size());
        for (PodEndpoint e : endpoints) {
            String address = e.address();
            PodLoad load = loads == null ? null : loads.load(address);
            int open = inFlight.of(address);
            long unseen = Math.min(open, inFlight.sent(address) - (load == null ? 0 : load.sentBefore()));
            int waiting = (int) Math.min(Integer.MAX_VALUE, (load == null ? 0 : load.waiting()) + Math.max(0, unseen));
            pods.add(new Pod(address, address, e.role(), e.ready(), waiting, load == null ? 0 : load.running(),
                load == null ? 0 : load.kvUtilization(), open));
        }
        return pods;
    }
}
