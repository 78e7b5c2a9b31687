package io.spillway.bridge;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker's KV cache on the bridge's host backend: one shared-memory "device" allocation a region of its
 * {@link KvCacheSpec}, filled with a pattern (a hash of the position, so equal blocks mean copied blocks), whose IPC
 * handles an agent can open. What tests and benchmarks stand in for a vLLM worker with.
 */
public final class HostKvCache implements AutoCloseable {
    private final KvCacheSpec spec;
    private final long runtime;
    private final long[] regions;
    private final long[] sizes;

    public HostKvCache(KvCacheSpec spec) {
        NativeBridge.requireAvailable();
        this.spec = spec;
        this.runtime = NativeBridge.open(Backend.HOST.code, null, 0);
        regions = new long[spec.regions()];
        sizes = new long[spec.regions()];
        for (int r = 0; r < regions.length; r++) {
            sizes[r] = spec.regionBytes(r);
            if (sizes[r] > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("a host region is at most 2 GiB, got " + sizes[r]);
            }
            regions[r] = NativeBridge.deviceAlloc(runtime, sizes[r]);
            ByteBuffer b = region(r);
            for (int i = 0; i < b.capacity(); i++) {
                // a hash of the position: no period of a page, so equal blocks mean copied blocks
                b.put(i, (byte) (((i + 1) * 2_654_435_761L + r * 40_503L) >>> 13));
            }
        }
    }

    public KvCacheSpec spec() {
        return spec;
    }

    /** Region {@code r}'s bytes, to read or overwrite. */
    public ByteBuffer region(int r) {
        return NativeBridge.wrap(regions[r], sizes[r]);
    }

    public List<byte[]> handles() {
        List<byte[]> out = new ArrayList<>();
        for (long region : regions) {
            out.add(NativeBridge.ipcHandle(runtime, region));
        }
        return out;
    }

    /** Block {@code b} as the host holds it: every layer's page runs, layer by layer. */
    public byte[] block(int b) {
        ByteBuffer out = ByteBuffer.allocate((int) spec.blockBytes());
        PageRuns page = spec.page();
        for (int l = 0; l < spec.layers(); l++) {
            LayerPlacement layer = spec.layer(l);
            ByteBuffer t = region(layer.region());
            long origin = layer.blockOrigin(b);
            for (int r = 0; r < page.count(); r++) {
                int at = (int) (origin + page.offset(r));
                out.put(t.duplicate().position(at).limit(at + (int) page.length(r)));
            }
        }
        return out.array();
    }

    @Override
    public void close() {
        for (long region : regions) {
            NativeBridge.deviceFree(runtime, region);
        }
        NativeBridge.close(runtime);
    }
}
