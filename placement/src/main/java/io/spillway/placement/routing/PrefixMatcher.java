package io.spillway.placement.routing;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.LocationTable;
import io.spillway.placement.index.Medium;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fills a {@link PrefixMatch} from a {@link BlockLocationIndex}: walks the request's chain key by key (each key's
 * live locations), extending each pod's runs and the cluster's while they last, and stops at the first key that
 * extends none. One per thread: it keeps scratch arrays and a cache of what each location id means.
 */
public final class PrefixMatcher {
    private static final int UNKNOWN = Integer.MIN_VALUE;
    private static final int OTHER = -1;
    /** A node location's meaning: {@code NODE_BASE - tier}, below every pod index. */
    private static final int NODE_CPU = -2;
    private static final int NODE_NVME = -3;

    private final BlockLocationIndex index;
    private final Map<String, Integer> podIndex = new HashMap<>();
    private String[] podIds = new String[0];
    /** Per location id: the candidate pod index ({@code 2 i} GPU, {@code 2 i + 1} own offload), or a code above. */
    private int[] meaning = new int[64];
    /** The location each {@link #meaning} was decoded from (an id is issued again after a purge: decode again). */
    private Location[] decoded = new Location[64];
    private int[] ids = new int[8];
    private boolean[] gpuHas = new boolean[0];
    private boolean[] podHas = new boolean[0];

    public PrefixMatcher(BlockLocationIndex index) {
        this.index = index;
        Arrays.fill(meaning, UNKNOWN);
    }

    /** Matches {@code request} for {@code candidates} (in that order) into {@code out}. */
    public PrefixMatch match(RoutingRequest request, List<Pod> candidates, PrefixMatch out) {
        usePods(candidates);
        int n = candidates.size();
        out.reset(request.blocks(), n);
        if (gpuHas.length < n) {
            gpuHas = new boolean[n];
            podHas = new boolean[n];
        }
        LocationTable table = index.locations();
        boolean clusterGoing = true;
        for (int k = 0; k < request.blocks(); k++) {
            int found = index.locationsOf(request.his()[k], request.los()[k], ids);
            if (found > ids.length) {
                ids = new int[Integer.highestOneBit(found) << 1];
                found = index.locationsOf(request.his()[k], request.los()[k], ids);
                found = Math.min(found, ids.length);
            }
            Arrays.fill(gpuHas, 0, n, false);
            Arrays.fill(podHas, 0, n, false);
            int bestTier = 0; // 0 none, 1 NVMe, 2 CPU
            for (int j = 0; j < found; j++) {
                int m = meaningOf(ids[j], table);
                if (m >= 0) {
                    int pod = m >> 1;
                    podHas[pod] = true;
                    gpuHas[pod] |= (m & 1) == 0;
                } else if (m == NODE_CPU) {
                    bestTier = 2;
                } else if (m == NODE_NVME) {
                    bestTier = Math.max(bestTier, 1);
                }
            }
            boolean extended = false;
            for (int i = 0; i < n; i++) {
                if (out.gpuRun[i] == k && gpuHas[i]) {
                    out.gpuRun[i]++;
                    extended = true;
                }
                if (out.podRun[i] == k && podHas[i]) {
                    out.podRun[i]++;
                    extended = true;
                }
            }
            if (clusterGoing && bestTier > 0) {
                out.clusterRun = k + 1;
                out.cpuPrefix[k + 1] = out.cpuPrefix[k] + (bestTier == 2 ? 1 : 0);
                extended = true;
            } else {
                clusterGoing = false;
            }
            if (!extended) {
                break;
            }
        }
        return out;
    }

    /** Keeps the id cache while the candidates are the same pods in the same order (their loads may differ). */
    private void usePods(List<Pod> candidates) {
        boolean same = candidates.size() == podIds.length;
        for (int i = 0; same && i < podIds.length; i++) {
            same = podIds[i].equals(candidates.get(i).id());
        }
        if (same) {
            return;
        }
        podIds = new String[candidates.size()];
        podIndex.clear();
        for (int i = 0; i < podIds.length; i++) {
            podIds[i] = candidates.get(i).id();
            podIndex.put(podIds[i], i);
        }
        Arrays.fill(meaning, UNKNOWN);
        Arrays.fill(decoded, null);
    }

    private int meaningOf(int id, LocationTable table) {
        if (id >= meaning.length) {
            int old = meaning.length;
            meaning = Arrays.copyOf(meaning, Math.max(id + 1, old * 2));
            decoded = Arrays.copyOf(decoded, meaning.length);
            Arrays.fill(meaning, old, meaning.length, UNKNOWN);
        }
        Location location = table.location(id);
        if (meaning[id] == UNKNOWN || decoded[id] != location) {
            meaning[id] = decode(location);
            decoded[id] = location;
        }
        return meaning[id];
    }

    private int decode(Location location) {
        if (location == null) {
            return OTHER;
        }
        if (location.kind() == Location.Kind.NODE) {
            return location.medium() == Medium.NVME ? NODE_NVME : NODE_CPU;
        }
        Integer pod = podIndex.get(location.owner());
        if (pod == null) {
            return OTHER;
        }
        return 2 * pod + (location.medium() == Medium.GPU ? 0 : 1);
    }
}
