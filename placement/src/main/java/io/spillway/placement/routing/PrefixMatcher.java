package io.spillway.placement.routing;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.ChainWalker;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.LocationTable;
import io.spillway.placement.index.Medium;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fills a {@link PrefixMatch} from a {@link BlockLocationIndex}: walks the request's chain key by key ({@link
 * BlockLocationIndex#walk}), keeping per pod how many of the key's locations are its GPU and its own media, and per
 * cluster tier how many nodes hold the key. Consecutive keys of a prompt are mostly held in the same places, so a key
 * costs a lookup and a comparison with the key before, plus a step for each location that differs: a pod's run
 * breaks at the key where its count drops to zero, and the walk stops at the first key that extends no run. One per
 * thread: it keeps scratch arrays and a cache of what each location id means.
 */
public final class PrefixMatcher {
    private static final int UNKNOWN = Integer.MIN_VALUE;
    private static final int OTHER = -1;
    /** A node location's meaning: {@code NODE_BASE - tier}, below every pod index. */
    private static final int NODE_CPU = -2;
    private static final int NODE_NVME = -3;

    private final BlockLocationIndex index;
    private final Walk walk = new Walk();
    private final Map<String, Integer> podIndex = new HashMap<>();
    private String[] podIds = new String[0];
    /**
     * Per location id: the candidate pod index ({@code 2 i} GPU, {@code 2 i + 1} own offload), or a code above
     * ({@link #OTHER} for a retired id); valid while the location table's {@link LocationTable#changes} count stays
     * what it was when filled. A change during a match may leave that match with a stale meaning, never the next.
     */
    private int[] meaning = new int[64];
    /** The location table's change count the {@link #meaning} cache was filled under. */
    private long cachedChanges = -1;

    public PrefixMatcher(BlockLocationIndex index) {
        this.index = index;
        Arrays.fill(meaning, UNKNOWN);
    }

    /** Matches {@code request} for {@code candidates} (in that order) into {@code out}. */
    @SuppressWarnings("NullAway") // clears walk.out after the walk so it holds no caller's match
    public PrefixMatch match(RoutingRequest request, List<Pod> candidates, PrefixMatch out) {
        usePods(candidates);
        out.reset(request.blocks(), candidates.size());
        long changes = index.locations().changes();
        if (changes != cachedChanges) {
            Arrays.fill(meaning, UNKNOWN); // an id may stand for another location now, or be retired
            cachedChanges = changes;
        }
        walk.out = out;
        index.walk(request.his(), request.los(), request.blocks(), walk);
        walk.finish();
        walk.out = null;
        return out;
    }

    /** The walk over one request's chain; its state is reset by {@link #start} (again if the walk starts over). */
    private final class Walk extends ChainWalker {
        @SuppressWarnings("NullAway.Init") // match() sets it for the walk, then clears it
        PrefixMatch out;
        /** Per pod, how many of the current key's locations are its GPU, and are any of its media. */
        private int[] gpuHeld = new int[0];
        private int[] podHeld = new int[0];
        /** Per pod, whether its GPU run, and its own-media run, is still unbroken. */
        private boolean[] gpuOpen = new boolean[0];
        private boolean[] podOpen = new boolean[0];
        private int gpuOpenCount;
        private int podOpenCount;
        /** Cluster nodes holding the current key in their CPU tier, and in their NVMe tier. */
        private int cpuNodes;
        private int nvmeNodes;
        /** Keys walked that extended some run. */
        private int walked;

        @Override
        protected void start() {
            int n = out.pods();
            if (gpuHeld.length < n) {
                gpuHeld = new int[n];
                podHeld = new int[n];
                gpuOpen = new boolean[n];
                podOpen = new boolean[n];
            }
            Arrays.fill(gpuHeld, 0, n, 0);
            Arrays.fill(podHeld, 0, n, 0);
            Arrays.fill(gpuOpen, 0, n, false);
            Arrays.fill(podOpen, 0, n, false);
            gpuOpenCount = 0;
            podOpenCount = 0;
            out.reset(out.blocks(), n);
            cpuNodes = 0;
            nvmeNodes = 0;
            walked = 0;
        }

        @Override
        protected void enter(int id, int k) {
            int m = meaningOf(id);
            if (m >= 0) {
                int pod = m >> 1;
                podHeld[pod]++;
                if ((m & 1) == 0) {
                    gpuHeld[pod]++;
                }
            } else if (m == NODE_CPU) {
                cpuNodes++;
            } else if (m == NODE_NVME) {
                nvmeNodes++;
            }
        }

        /** A run whose count reaches 0 ends before key {@code k}. */
        @Override
        protected void leave(int id, int k) {
            int m = meaningOf(id);
            if (m >= 0) {
                int pod = m >> 1;
                if (--podHeld[pod] == 0 && podOpen[pod]) {
                    podOpen[pod] = false;
                    podOpenCount--;
                    out.podRun[pod] = k;
                }
                if ((m & 1) == 0 && --gpuHeld[pod] == 0 && gpuOpen[pod]) {
                    gpuOpen[pod] = false;
                    gpuOpenCount--;
                    out.gpuRun[pod] = k;
                }
            } else if (m == NODE_CPU) {
                cpuNodes--;
            } else if (m == NODE_NVME) {
                nvmeNodes--;
            }
        }

        @Override
        protected boolean next(int k) {
            if (k == 0) {
                openRuns();
            }
            int bestTier = cpuNodes > 0 ? 2 : nvmeNodes > 0 ? 1 : 0; // 0 none, 1 NVMe, 2 CPU
            boolean clusterGoing = out.clusterRun == k && bestTier > 0;
            if (clusterGoing) {
                out.clusterRun = k + 1;
                out.cpuPrefix[k + 1] = out.cpuPrefix[k] + (bestTier == 2 ? 1 : 0);
            }
            if (gpuOpenCount == 0 && podOpenCount == 0 && !clusterGoing) {
                return false;
            }
            walked = k + 1;
            return true;
        }

        /** After the first key: the pods holding it start their runs; the others' runs are 0. */
        private void openRuns() {
            gpuOpenCount = 0;
            podOpenCount = 0;
            for (int p = 0, n = out.pods(); p < n; p++) {
                gpuOpen[p] = gpuHeld[p] > 0;
                podOpen[p] = podHeld[p] > 0;
                gpuOpenCount += gpuOpen[p] ? 1 : 0;
                podOpenCount += podOpen[p] ? 1 : 0;
            }
        }

        /** Runs still unbroken when the walk ended reach the last key walked. */
        void finish() {
            for (int p = 0, n = out.pods(); p < n; p++) {
                if (gpuOpen[p]) {
                    out.gpuRun[p] = walked;
                }
                if (podOpen[p]) {
                    out.podRun[p] = walked;
                }
            }
        }
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

    /** What id {@code id} means now; any int is safe (a torn read can hand over anything). */
    private int meaningOf(int id) {
        int[] known = meaning;
        if (id > 0 && id < known.length) { // the step of every key: one bounds check and one load
            int m = known[id];
            if (m != UNKNOWN) {
                return m;
            }
        }
        return learnMeaning(id);
    }

    /** {@link #meaningOf} for an id not cached yet: decoded from the location table, or {@link #OTHER}. */
    private int learnMeaning(int id) {
        if (id <= 0 || id > BlockLocationIndex.MAX_LOCATION_ID) {
            return OTHER;
        }
        if (id >= meaning.length) {
            int old = meaning.length;
            meaning = Arrays.copyOf(meaning, Math.min(BlockLocationIndex.MAX_LOCATION_ID + 1,
                Math.max(id + 1, old * 2)));
            Arrays.fill(meaning, old, meaning.length, UNKNOWN);
        }
        int m = meaning[id];
        if (m == UNKNOWN) {
            LocationTable table = index.locations();
            m = table.isLive(id) ? decode(Objects.requireNonNull(table.location(id))) : OTHER; // live ids have one
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
        return 2 * pod + (location.medium() == Medium.GPU ? 0 : 1); // a routed location is the pod's GPU
    }
}
