package io.spillway.bridge;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The page a connector and its agent share so that a transfer the connector gave up on can never touch the worker's
 * blocks afterwards, even when the agent was stopped (SIGSTOP, a long pause) while the connector released them.
 *
 * <p>The page ({@link #BYTES}, POSIX shared memory the connector creates; its handle is a host-backend IPC handle)
 * holds three little-endian 64-bit words: {@code fence} at 0, written by the connector only: transfers of an older
 * generation are fenced; {@code busy} at 8: device copies of the worker's blocks the agent has begun and not seen
 * end; the agent's process id at 16. The protocol is Dekker's:
 * <ul>
 *   <li>the agent, before any copy that reads or writes the worker's blocks: {@code busy += 1}, then reads
 *       {@code fence}; if its generation is older it undoes the increment and skips the copy ({@link #enter}); else it
 *       copies and, once the copy has ended, {@code busy -= 1} ({@link #exit}). A save checks the fence again after
 *       its copy ended and drops the bytes when it rose meanwhile ({@link #fenced}).</li>
 *   <li>the connector, to give up: raises {@code fence}, then waits for {@code busy == 0} (or the agent's death)
 *       before it hands the blocks back to vLLM.</li>
 * </ul>
 * Either the agent sees the raised fence, or the connector sees the copy in flight and waits for it: a stop between
 * the agent's check and its copy keeps {@code busy} up, so the connector cannot release under it. The increments are
 * atomic read-modify-writes and the reads volatile (full fences on x86-64).
 */
public final class TransferFence implements AutoCloseable {
    /** The page's size. */
    public static final int BYTES = 64;
    private static final int FENCE = 0;
    private static final int BUSY = 8;
    private static final int PID = 16;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class,
        ByteOrder.LITTLE_ENDIAN);

    /** No page: nothing is ever fenced (a connector that registers without one). */
    public static final TransferFence NONE = new TransferFence(0, 0, null);

    private final long runtime;
    private final long address;
    private final ByteBuffer page;

    private TransferFence(long runtime, long address, ByteBuffer page) {
        this.runtime = runtime;
        this.address = address;
        this.page = page;
    }

    /**
     * Maps the connector's page from its host-backend handle, if {@code segments} allows the segment it names, and
     * writes this process's id into it.
     */
    public static TransferFence open(byte[] handle, SegmentPolicy segments) {
        NativeBridge.requireAvailable();
        long size = BridgeContext.hostHandleSize(handle);
        if (size < BYTES) {
            throw new IllegalArgumentException("a fence page is a host shared-memory handle of at least " + BYTES
                + " bytes, got " + (size < 0 ? "another kind of handle" : size + " bytes"));
        }
        long rt = NativeBridge.open(Backend.HOST.code, null, 0);
        long at;
        try {
            at = NativeBridge.ipcOpen(rt, handle, segments.prefix(), segments.ownerArray());
        } catch (RuntimeException e) {
            NativeBridge.close(rt);
            throw e;
        }
        TransferFence fence = new TransferFence(rt, at, NativeBridge.wrap(at, BYTES).order(ByteOrder.LITTLE_ENDIAN));
        LONGS.setVolatile(fence.page, PID, ProcessHandle.current().pid());
        return fence;
    }

    /**
     * Before a copy of generation {@code generation}: true when it may run (then {@link #exit} once it has ended),
     * false when the connector has fenced it (nothing to undo).
     */
    public boolean enter(long generation) {
        if (page == null) {
            return true;
        }
        LONGS.getAndAdd(page, BUSY, 1L);
        if (generation < (long) LONGS.getVolatile(page, FENCE)) {
            LONGS.getAndAdd(page, BUSY, -1L);
            return false;
        }
        return true;
    }

    /** A copy {@link #enter} let run has ended (or failed to start). */
    public void exit() {
        if (page != null) {
            LONGS.getAndAdd(page, BUSY, -1L);
        }
    }

    /** Whether the connector has given up on generation {@code generation} by now. */
    public boolean fenced(long generation) {
        return page != null && generation < (long) LONGS.getVolatile(page, FENCE);
    }

    /** Copies begun and not ended (what the connector waits for). */
    public long busy() {
        return page == null ? 0 : (long) LONGS.getVolatile(page, BUSY);
    }

    @Override
    public void close() {
        if (page != null) {
            NativeBridge.ipcClose(runtime, address);
            NativeBridge.close(runtime);
        }
    }
}
