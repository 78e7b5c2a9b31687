package io.spillway.bridge;

import java.util.Locale;

/** Where "device memory" lives: an NVIDIA GPU (libcudart), an AMD GPU (libamdhip64), or shared host memory. */
public enum Backend {
    /** POSIX shared memory standing in for device memory, a worker thread for a stream: the same code paths. */
    HOST(0),
    CUDA(1),
    HIP(2);

    final int code;

    Backend(int code) {
        this.code = code;
    }

    /** {@code host}, {@code cuda} or {@code hip}, in any case. */
    public static Backend parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown backend '" + name + "': expected host, cuda or hip");
        }
    }
}
