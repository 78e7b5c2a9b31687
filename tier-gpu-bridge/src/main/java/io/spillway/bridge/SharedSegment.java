package io.spillway.bridge;

import java.nio.ByteBuffer;

/**
 * A POSIX shared-memory segment made through the bridge's host backend, with the IPC handle another process opens it
 * by: what a connector's fence page and staging ring are, made from Java (tests, the Java stand-in of a connector).
 */
public final class SharedSegment implements AutoCloseable {
    private final long runtime;
    private final long address;
    private final long bytes;
    private final byte[] handle;

    public SharedSegment(long bytes) {
        NativeBridge.requireAvailable();
        if (bytes < 1 || bytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a segment of 1 byte to 2 GiB, got " + bytes);
        }
        this.bytes = bytes;
        this.runtime = NativeBridge.open(Backend.HOST.code, null, 0);
        this.address = NativeBridge.deviceAlloc(runtime, bytes);
        this.handle = NativeBridge.ipcHandle(runtime, address);
    }

    /** The 64-byte handle another process opens the segment by. */
    public byte[] handle() {
        return handle.clone();
    }

    /** The segment's bytes. */
    public ByteBuffer buffer() {
        return NativeBridge.wrap(address, bytes);
    }

    @Override
    public void close() {
        NativeBridge.deviceFree(runtime, address);
        NativeBridge.close(runtime);
    }
}
