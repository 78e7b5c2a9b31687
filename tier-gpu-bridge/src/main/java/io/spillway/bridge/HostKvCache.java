package io.spillway.bridge;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker's KV cache on the bridge's host backend: one shared-memory "device" tensor a layer, filled with a
 * pattern (a hash of the position, so equal blocks mean copied blocks), whose IPC handles an agent can open. What
 * tests and benchmarks stand in for a vLLM worker with.
 */
public final class HostKvCache implements AutoCloseable {
    private final KvCacheSpec spec;
    private final long runtime;
    private final long[] layers;

    public HostKvCache(KvCacheSpec spec) {
        NativeBridge.requireAvailable();
        this.spec = spec;
        this.runtime = NativeBridge.open(Backend.HOST.code, null, 0);
        if (spec.layerBytes() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a host layer tensor is at most 2 GiB, got " + spec.layerBytes());
        }
        layers = new long[spec.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = NativeBridge.deviceAlloc(runtime, spec.layerBytes());
            ByteBuffer b = NativeBridge.wrap(layers[l], spec.layerBytes());
            for (int i = 0; i < b.capacity(); i++) {
                // a hash of the position: no period of a page, so equal blocks mean copied blocks
                b.put(i, (byte) (((i + 1) * 2_654_435_761L + l * 40_503L) >>> 13));
            }
        }
    }

    public KvCacheSpec spec() {
        return spec;
    }

    /** Layer {@code l}'s tensor, to read or overwrite. */
    public ByteBuffer layer(int l) {
        return NativeBridge.wrap(layers[l], spec.layerBytes());
    }

    public List<byte[]> handles() {
        List<byte[]> out = new ArrayList<>();
        for (long layer : layers) {
            out.add(NativeBridge.ipcHandle(runtime, layer));
        }
        return out;
    }

    /** Block {@code b} as the host holds it: every layer's key page, then its value page. */
    public byte[] block(int b) {
        ByteBuffer out = ByteBuffer.allocate((int) spec.blockBytes());
        int page = (int) spec.pageBytes();
        for (int l = 0; l < layers.length; l++) {
            ByteBuffer t = NativeBridge.wrap(layers[l], spec.layerBytes());
            out.put(t.duplicate().position((int) spec.keyOffset(b)).limit((int) spec.keyOffset(b) + page));
            out.put(t.duplicate().position((int) spec.valueOffset(b)).limit((int) spec.valueOffset(b) + page));
        }
        return out.array();
    }

    @Override
    public void close() {
        for (long layer : layers) {
            NativeBridge.deviceFree(runtime, layer);
        }
        NativeBridge.close(runtime);
    }
}
