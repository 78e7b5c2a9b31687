package io.spillway.bridge;

/**
 * Where one layer's blocks lie in the worker's memory. The layer lives in allocation {@code region} (one IPC handle,
 * or one pointer); block {@code b}'s page starts {@code origin + b * blockStride} bytes into it, and the layer's
 * tensor spans bytes {@code [spanStart, spanEnd)} of it: the bridge never touches a byte outside that span.
 *
 * <p>A cross-layer cache (one tensor for every layer, blocks outermost) is one region whose layers have origins a
 * page apart and a block stride of all layers' pages; a layer-per-tensor cache is one region per layer (or several
 * layers in one allocation, when the worker's allocator placed them so).
 */
public record LayerPlacement(int region, long origin, long blockStride, long spanStart, long spanEnd) {
    public LayerPlacement {
        if (region < 0) {
            throw new IllegalArgumentException("a layer's region must be >= 0, got " + region);
        }
        if (origin < 0 || blockStride < 0 || spanStart < 0 || spanEnd < spanStart) {
            throw new IllegalArgumentException("a layer at origin " + origin + ", block stride " + blockStride
                + ", spanning [" + spanStart + ", " + spanEnd + "): offsets must be >= 0 and the span not reversed");
        }
    }

    /** Where block {@code block}'s page starts in the region. */
    long blockOrigin(int block) {
        return origin + block * blockStride;
    }
}
