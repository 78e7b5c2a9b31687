package io.spillway.bridge;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A vLLM worker's stand-in (tests): its layer tensors in (host-backend) device memory, filled with a pattern. */
public final class HostWorker implements AutoCloseable {
    final KvCacheSpec spec;
    final long runtime = NativeBridge.open(Backend.HOST.code, null, 0);
    final long[] layers;
    final byte[][] original;

    public HostWorker(KvCacheSpec spec) {
        this.spec = spec;
        layers = new long[spec.layers()];
        original = new byte[spec.layers()][];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = NativeBridge.deviceAlloc(runtime, spec.layerBytes());
            ByteBuffer b = NativeBridge.wrap(layers[l], spec.layerBytes());
            original[l] = new byte[(int) spec.layerBytes()];
            for (int i = 0; i < original[l].length; i++) {
                // a hash of the position: no period of a page, so equal blocks mean copied blocks
                original[l][i] = (byte) (((i + 1) * 2_654_435_761L + l * 40_503L) >>> 13);
            }
            b.put(original[l]);
        }
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

    /** The original bytes of every block but {@code a} and {@code b}. */
    public byte[] untouched(int a, int b) {
        ByteBuffer out = ByteBuffer.allocate((int) (spec.blockBytes() * (spec.numBlocks() - 2)));
        int page = (int) spec.pageBytes();
        for (int k = 0; k < spec.numBlocks(); k++) {
            if (k == a || k == b) {
                continue;
            }
            for (int l = 0; l < layers.length; l++) {
                out.put(original[l], (int) spec.keyOffset(k), page);
                out.put(original[l], (int) spec.valueOffset(k), page);
            }
        }
        return out.array();
    }

    /** The current bytes of every block but {@code a} and {@code b}. */
    public byte[] rest(int a, int b) {
        ByteBuffer out = ByteBuffer.allocate((int) (spec.blockBytes() * (spec.numBlocks() - 2)));
        for (int k = 0; k < spec.numBlocks(); k++) {
            if (k != a && k != b) {
                out.put(block(k));
            }
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
