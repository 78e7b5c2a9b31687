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
    /**
     * Per location id: the candidate pod index ({@code 2 i} GPU, {@code 2 i + 1} own offload), or a code above;
     * valid while the location table's {@link LocationTable#issues} count stays what it was when filled (an id is
     * re-bound only by an issue; one during a match may leave that match with a stale meaning, never the next).
     */
    private int[] meaning = new int[64];
    private int[] ids = new int[8];
    /** The locations of the key walked before, to skip the per-pod work when a key has the same ones. */
    private int[] prevIds = new int[8];
    /** Per pod, the last key (+1) seen in its GPU, and in any of its media. */
    private int[] gpuSeen = new int[0];
    private int[] podSeen = new int[0];
    /** Pods whose run is still unbroken, first {@code count} of each. */
    private int[] gpuAlive = new int[0];
    private int[] podAlive = new int[0];
    /** The location table's issue count the {@link #meaning} cache was filled under. */
    private long cachedIssues = -1;

    public PrefixMatcher(BlockLocationIndex index) {
        this.index = index;
        Arrays.fill(meaning, UNKNOWN);
    }

    /**
     * Matches {@code request} for {@code candidates} (in that order) into {@code out}. A key costs a lookup; a key
     * whose locations are the ones of the key before (a prefix cached in the same places) costs a comparison more,
     * any other a look at each of its ids and at each run still unbroken. Runs that broke leave the walk.
     */
    public PrefixMatch match(RoutingRequest request, List<Pod> candidates, PrefixMatch out) {
        usePods(candidates);
        int n = candidates.size();
        out.reset(request.blocks(), n);
        if (gpuSeen.length < n) {
            gpuSeen = new int[n];
            podSeen = new int[n];
            gpuAlive = new int[n];
            podAlive = new int[n];
        }
        Arrays.fill(gpuSeen, 0, n, 0);
        Arrays.fill(podSeen, 0, n, 0);
        int gpuCount = n;
        int podCount = n;
        for (int i = 0; i < n; i++) {
            gpuAlive[i] = i;
            podAlive[i] = i;
        }
        LocationTable table = index.locations();
        long issues = table.issues();
        if (issues != cachedIssues) {
            Arrays.fill(meaning, UNKNOWN); // an id may stand for another location now
            cachedIssues = issues;
        }
        long[] his = request.his();
        long[] los = request.los();
        int prevFound = -1;
        int prevTier = 0;
        int lastMark = 0;
        for (int k = 0; k < request.blocks(); k++) {
            int found = index.locationsOf(his[k], los[k], ids);
            if (found > ids.length) {
                ids = new int[Integer.highestOneBit(found) << 1];
                found = Math.min(index.locationsOf(his[k], los[k], ids), ids.length);
            }
            int mark = k + 1;
            int bestTier;
            if (found == prevFound && Arrays.equals(ids, 0, found, prevIds, 0, found)) {
                bestTier = prevTier; // the same locations as the key before: every unbroken run goes on
            } else {
                bestTier = 0; // 0 none, 1 NVMe, 2 CPU
                for (int j = 0; j < found; j++) {
                    int m = meaningOf(ids[j], table);
                    if (m >= 0) {
                        int pod = m >> 1;
                        podSeen[pod] = mark;
                        if ((m & 1) == 0) {
                            gpuSeen[pod] = mark;
                        }
                    } else if (m == NODE_CPU) {
                        bestTier = 2;
                    } else if (m == NODE_NVME && bestTier == 0) {
                        bestTier = 1;
                    }
                }
                gpuCount = drop(gpuAlive, gpuCount, gpuSeen, mark, out.gpuRun);
                podCount = drop(podAlive, podCount, podSeen, mark, out.podRun);
                if (prevIds.length < found) {
                    prevIds = new int[ids.length];
                }
                System.arraycopy(ids, 0, prevIds, 0, found);
                prevFound = found;
                prevTier = bestTier;
            }
            boolean clusterGoing = out.clusterRun == k && bestTier > 0;
            if (clusterGoing) {
                out.clusterRun = mark;
                out.cpuPrefix[mark] = out.cpuPrefix[k] + (bestTier == 2 ? 1 : 0);
            }
            if (gpuCount == 0 && podCount == 0 && !clusterGoing) {
                break;
            }
            lastMark = mark;
        }
        for (int a = 0; a < gpuCount; a++) {
            out.gpuRun[gpuAlive[a]] = lastMark; // unbroken to the last key walked
        }
        for (int a = 0; a < podCount; a++) {
            out.podRun[podAlive[a]] = lastMark;
        }
        return out;
    }

    /**
     * Drops from {@code alive} the runs key {@code mark - 1} does not extend, recording each dropped run's length
     * (the keys before this one); returns how many stay. A run that stays is recorded when the walk ends.
     */
    private static int drop(int[] alive, int count, int[] seen, int mark, int[] runs) {
        int kept = 0;
        for (int a = 0; a < count; a++) {
            int pod = alive[a];
            if (seen[pod] == mark) {
                alive[kept++] = pod;
            } else {
                runs[pod] = mark - 1;
            }
        }
        return kept;
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
    }

    private int meaningOf(int id, LocationTable table) {
        if (id >= meaning.length) {
            int old = meaning.length;
            meaning = Arrays.copyOf(meaning, Math.max(id + 1, old * 2));
            Arrays.fill(meaning, old, meaning.length, UNKNOWN);
        }
        int m = meaning[id];
        if (m == UNKNOWN) {
            m = decode(table.location(id));
            meaning[id] = m;
        }
        return m;
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
