package io.spillway.router.load;

import io.spillway.placement.routing.Pod;
import io.spillway.router.discovery.PodEndpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The pods as the decider takes them: discovery's endpoints with the scraper's last reading (no reading yet: an
 * idle pod) and this router's in-flight counts.
 */
public final class PodViews {
    private PodViews() {
    }

    public static List<Pod> of(List<PodEndpoint> endpoints, LoadScraper loads, InFlight inFlight) {
        List<Pod> pods = new ArrayList<>(endpoints.size());
        for (PodEndpoint e : endpoints) {
            String address = e.address();
            PodLoad load = loads == null ? null : loads.load(address);
            pods.add(new Pod(address, address, e.role(), e.ready(), load == null ? 0 : load.waiting(),
                load == null ? 0 : load.running(), load == null ? 0 : load.kvUtilization(), inFlight.of(address)));
        }
        return pods;
    }
}
