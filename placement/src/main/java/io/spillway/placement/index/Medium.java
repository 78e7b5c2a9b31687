package io.spillway.placement.index;

import java.util.Locale;

/** The kind of memory a block sits in at a location: accelerator memory, host memory, or local storage. */
public enum Medium {
    GPU,
    CPU,
    NVME;

    /**
     * vLLM's {@code medium} field of a {@code BlockStored}/{@code BlockRemoved} event: absent means the GPU (vLLM
     * leaves it unset for its own device cache); {@code "GPU"}, {@code "CPU"} and the storage names
     * ({@code "STORAGE"}, vLLM 0.34's name for its offloading connector's storage tiers, and {@code "DISK"},
     * {@code "NVME"}, {@code "SSD"}, {@code "LOCAL_DISK"}, {@code "LocalDisk"}) map case-insensitively.
     *
     * @throws IllegalArgumentException naming the value when it is none of those
     */
    public static Medium fromVllm(String medium) {
        if (medium == null || medium.isEmpty()) {
            return GPU;
        }
        switch (medium.toUpperCase(Locale.ROOT).replace("_", "")) {
            case "GPU":
            case "CUDA":
            case "HBM":
                return GPU;
            case "CPU":
            case "HOST":
                return CPU;
            case "STORAGE":
            case "DISK":
            case "NVME":
            case "SSD":
            case "LOCALDISK":
                return NVME;
            default:
                throw new IllegalArgumentException("unknown medium '" + medium + "': expected GPU, CPU or STORAGE");
        }
    }
}
