package io.spillway.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Every native method of the bridge (libspillway_bridge.so, built from {@code src/main/c} by the project's build with
 * gcc), and its loading. The library reaches the accelerator runtimes through dlopen, so it loads on any Linux
 * x86-64 machine; whether a given backend works is known when it is opened ({@link #open}). Pointers are raw
 * addresses as {@code long}; handles ({@code runtime}, streams, events) are opaque. Callers are {@link
 * BridgeContext} and tests. The C side knows every range a copy may touch (what it allocated, opened or was told
 * of) and refuses a copy outside them.
 */
public final class NativeBridge {
    /** A system property naming a library file to load instead of the one in the jar. */
    public static final String LIBRARY_PROP = "spillway.bridge.library";
    private static final String RESOURCE = "/native/linux-x86_64/libspillway_bridge.so";

    private static final Throwable UNAVAILABLE = load();

    private NativeBridge() {
    }

    /** Whether the native library loaded (it does on Linux x86-64 with the jar built by this project). */
    public static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** Why the native library did not load, or null when it did. */
    public static String unavailabilityCause() {
        return UNAVAILABLE == null ? null : UNAVAILABLE.toString();
    }

    static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new BridgeException("the native bridge is unavailable: " + UNAVAILABLE, UNAVAILABLE);
        }
    }

    private static Throwable load() {
        try {
            String explicit = System.getProperty(LIBRARY_PROP);
            if (explicit != null && !explicit.isEmpty()) {
                System.load(Path.of(explicit).toAbsolutePath().toString());
                return null;
            }
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "");
            if (!os.toLowerCase(Locale.ROOT).contains("linux")
                || !(arch.equals("amd64") || arch.equals("x86_64"))) {
                return new UnsupportedOperationException("the bridge is built for Linux x86-64, not " + os + " "
                    + arch);
            }
            try (InputStream in = NativeBridge.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    return new IllegalStateException(RESOURCE + " is not on the class path (build tier-gpu-bridge "
                        + "with Maven: it compiles the library)");
                }
                Path file = Files.createTempFile("spillway-bridge-", ".so");
                file.toFile().deleteOnExit();
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            }
            return null;
        } catch (IOException | LinkageError | SecurityException e) {
            return e;
        }
    }

    /**
     * Loads backend {@code kind} (0 host, 1 cuda, 2 hip) on {@code device}; {@code library}: a runtime file, or null
     * for the usual names.
     */
    static native long open(int kind, String library, int device);

    static native void close(long runtime);

    static native long deviceAlloc(long runtime, long bytes);

    static native void deviceFree(long runtime, long pointer);

    /** Page-locked host memory the device copies to and from asynchronously. */
    static native long hostAlloc(long runtime, long bytes);

    static native void hostFree(long runtime, long pointer);

    /** A direct buffer over {@code bytes} at {@code address} (host memory only). */
    static native ByteBuffer wrap(long address, long bytes);

    /** The 64-byte IPC handle of a device allocation, for another process to open. */
    static native byte[] ipcHandle(long runtime, long pointer);

    /**
     * Maps another process's allocation by its handle and returns its address. CUDA/HIP: the driver's range of the
     * allocation is recorded as its mapped size (a driver without {@code cuMemGetAddressRange} /
     * {@code hipMemGetAddressRange} is an error). Host backend: only a segment named {@code /<prefix>...} (letters,
     * digits, '.', '_', '-') owned by this process's user or one of {@code owners} (uids) is opened.
     */
    static native long ipcOpen(long runtime, byte[] handle, String prefix, int[] owners);

    /** Bytes from {@code pointer} to the end of the device mapping that holds it; throws when none does. */
    static native long mappedBytes(long runtime, long pointer);

    /**
     * Records {@code bytes} at {@code pointer} as device memory copies may touch: an in-process caller's own
     * allocation. CUDA/HIP: refused when the driver's range of the allocation ends before it.
     */
    static native void declareDevice(long runtime, long pointer, long bytes);

    static native void ipcClose(long runtime, long pointer);

    static native long streamCreate(long runtime);

    /** Destroys a stream; on the host backend, after running what was queued on it. */
    static native void streamDestroy(long runtime, long stream);

    /**
     * Queues {@code count} copies on {@code stream}: host to device when {@code toDevice} is 1, else the reverse. A
     * batch in which any copy's device side is outside this runtime's device mappings, or its host side outside its
     * pinned memory, is refused whole (nothing queued) with an error naming the copy.
     */
    static native void copyBatch(long runtime, long stream, long[] destinations, long[] sources, long[] lengths,
                                 int count, int toDevice);

    /** An event after what is queued on {@code stream} so far. */
    static native long eventRecord(long runtime, long stream);

    /** 1 when the work before the event is done, 0 while it is not; throws when it failed. Never blocks. */
    static native int eventQuery(long runtime, long event);

    static native void eventDestroy(long runtime, long event);

    /**
     * Host backend only: the next {@code count} events found complete report a failed copy instead (fault injection
     * for tests of what a failed device copy does; a setting, never a wire command).
     */
    static native void injectCopyFaults(long runtime, int count);
}
