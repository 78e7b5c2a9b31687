package io.spillway.bridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * One agent's view of one worker's KV cache: the backend, the worker's KV tensors (the allocations they live in,
 * opened from their IPC handles, or raw pointers in-process, placed as a {@link KvCacheSpec} says), a pool of pinned
 * host slots of a block each, and batched asynchronous copies of block lists between them on a dedicated stream.
 * {@link #save} and {@link #load} only queue the copies and return a {@link Transfer}; its {@link Transfer#isDone}
 * polls the stream's event and never blocks, so an agent's duty cycle can drive many transfers. Not thread-safe: one
 * agent thread owns it.
 *
 * <p>Sizes are checked twice. At open, every layer's furthest byte must lie inside what was mapped: the host
 * backend's segment, or the allocation's range as the CUDA/HIP driver gives it ({@link NativeBridge#mappedBytes});
 * a registration that reaches past it is refused with both sizes. At each save and load, the native side refuses a
 * batch any of whose copies leaves the mappings it knows ({@link NativeBridge#copyBatch}).
 */
public final class BridgeContext implements AutoCloseable {
    private static final byte[] HOST_HANDLE_MAGIC = {'S', 'P', 'W', 'H'};

    private final Backend backend;
    private final long runtime;
    private final long stream;
    private final KvCacheSpec spec;
    /** Each region's base address: where its handle was opened, or the pointer given. */
    private final long[] regions;
    private final boolean opened;
    private final long pinned;
    private final int slots;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    /** See {@link #inPlace()}. */
    private final boolean inPlace;
    private boolean closed;

    private BridgeContext(Builder b) {
        NativeBridge.requireAvailable();
        this.backend = b.backend;
        this.spec = b.spec;
        this.slots = b.slots;
        long rt = NativeBridge.open(b.backend.code, b.library, b.device);
        long s = 0;
        long host = 0;
        long[] mapped = new long[spec.regions()];
        long[] mappedBytes = new long[spec.regions()];
        int opened = 0;
        try {
            s = NativeBridge.streamCreate(rt);
            if (b.handles != null) {
                int[] owners = b.segments.ownerArray();
                for (; opened < mapped.length; opened++) {
                    mapped[opened] = NativeBridge.ipcOpen(rt, b.handles.get(opened), b.segments.prefix(), owners);
                    mappedBytes[opened] = NativeBridge.mappedBytes(rt, mapped[opened]);
                }
            } else {
                for (int r = 0; r < mapped.length; r++) {
                    mapped[r] = b.pointers[r];
                    NativeBridge.declareDevice(rt, mapped[r], spec.regionBytes(r));
                    mappedBytes[r] = NativeBridge.mappedBytes(rt, mapped[r]);
                }
            }
            spec.checkRegions(mappedBytes); // before any copy: the layers must end inside what was mapped
            host = NativeBridge.hostAlloc(rt, spec.blockBytes() * slots);
        } catch (RuntimeException e) {
            for (int r = 0; r < opened; r++) {
                NativeBridge.ipcClose(rt, mapped[r]);
            }
            if (s != 0) {
                NativeBridge.streamDestroy(rt, s);
            }
            NativeBridge.close(rt);
            throw e;
        }
        this.runtime = rt;
        this.stream = s;
        this.regions = mapped;
        this.opened = b.handles != null;
        this.pinned = host;
        if (b.copyFaults > 0) {
            NativeBridge.injectCopyFaults(rt, b.copyFaults);
        }
        this.inPlace = b.backend == Backend.HOST && b.copyFaults == 0 && spec.blocksContiguous();
        for (int i = 0; i < slots; i++) {
            freeSlots.add(i);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Backend backend() {
        return backend;
    }

    public KvCacheSpec spec() {
        return spec;
    }

    /** Pinned slots not taken. */
    public int freeSlots() {
        return freeSlots.size();
    }

    /** Takes {@code n} pinned slots, or returns null when fewer are free (the caller waits for transfers to end). */
    public int[] takeSlots(int n) {
        if (n < 0 || n > freeSlots.size()) {
            return null;
        }
        int[] taken = new int[n];
        for (int i = 0; i < n; i++) {
            taken[i] = freeSlots.poll();
        }
        return taken;
    }

    public void giveBack(int[] taken) {
        for (int slot : taken) {
            checkSlot(slot);
            freeSlots.add(slot);
        }
    }

    /**
     * Whether blocks can move in place: on the host backend the worker's "device" memory is host memory this
     * process maps, so when each block is one contiguous run ({@link KvCacheSpec#blocksContiguous}) the cluster
     * client can read a block where the worker keeps it ({@link #blockInPlace}; the agent sends its saves so): no
     * copy through a slot, no stream. False on CUDA and HIP, for layouts whose blocks are scattered (each layer's page apart, keys
     * apart from values), and when copy faults are injected (they fail copies, and there would be none).
     */
    public boolean inPlace() {
        return inPlace;
    }

    /**
     * Block {@code block}'s bytes where the worker keeps them, when {@link #inPlace()}: the caller must hold the
     * transfer fence ({@link TransferFence#enter}) while anything reads or writes them.
     */
    public ByteBuffer blockInPlace(int block) {
        if (!inPlace) {
            throw new IllegalStateException("blocks of " + spec + " on the " + backend + " backend are copied "
                + "through slots, not moved in place");
        }
        if (closed) {
            throw new BridgeException("the bridge context is closed");
        }
        return NativeBridge.wrap(regions[spec.contiguousRegion()] + spec.contiguousBlockOffset(block),
            spec.blockBytes());
    }

    /** Slot {@code slot}'s bytes: every layer's page runs, layer by layer, of the block it holds. */
    public ByteBuffer slot(int slot) {
        checkSlot(slot);
        return NativeBridge.wrap(pinned + slot * spec.blockBytes(), spec.blockBytes());
    }

    /** Queues device-to-host copies of {@code blocks} into {@code slots}, one slot a block. */
    public Transfer save(int[] blocks, int[] slots) {
        return copy(blocks, slots, false);
    }

    /** Queues host-to-device copies of {@code slots} into {@code blocks}. */
    public Transfer load(int[] blocks, int[] slots) {
        return copy(blocks, slots, true);
    }

    private Transfer copy(int[] blocks, int[] slotIds, boolean toDevice) {
        if (closed) {
            throw new BridgeException("the bridge context is closed");
        }
        if (blocks.length != slotIds.length) {
            throw new IllegalArgumentException(blocks.length + " blocks but " + slotIds.length + " slots");
        }
        PageRuns page = spec.page();
        int n; // copies: one a run a layer a block, counted exactly (a million 1-byte runs a block is a legal spec)
        try {
            n = Math.multiplyExact(Math.multiplyExact(blocks.length, spec.layers()), page.count());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(blocks.length + " blocks of " + spec.layers() + " layers of "
                + page.count() + " runs are more than 2^31 copies: copy fewer blocks at a time", e);
        }
        long[] device = new long[n];
        long[] host = new long[n];
        long[] lengths = new long[n];
        int c = 0;
        for (int i = 0; i < blocks.length; i++) {
            spec.checkBlock(blocks[i]);
            checkSlot(slotIds[i]);
            long at = pinned + slotIds[i] * spec.blockBytes();
            for (int l = 0; l < spec.layers(); l++) {
                LayerPlacement layer = spec.layer(l);
                long origin = regions[layer.region()] + layer.blockOrigin(blocks[i]);
                for (int r = 0; r < page.count(); r++) {
                    device[c] = origin + page.offset(r);
                    host[c] = at;
                    lengths[c++] = page.length(r);
                    at += page.length(r);
                }
            }
        }
        if (toDevice) {
            NativeBridge.copyBatch(runtime, stream, device, host, lengths, n, 1);
        } else {
            NativeBridge.copyBatch(runtime, stream, host, device, lengths, n, 0);
        }
        return new Transfer(NativeBridge.eventRecord(runtime, stream), blocks.length * spec.blockBytes());
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("slot " + slot + " is outside the pool's 0.." + (slots - 1));
        }
    }

    /** Copies queued by one call; done once the stream has run them. */
    public final class Transfer implements AutoCloseable {
        private long event;
        private final long bytes;
        private boolean done;

        private Transfer(long event, long bytes) {
            this.event = event;
            this.bytes = bytes;
        }

        /** Whether the copies have finished; polls, never blocks. Throws when the runtime says they failed. */
        public boolean isDone() {
            if (!done && event != 0) {
                done = NativeBridge.eventQuery(runtime, event) == 1;
            }
            return done;
        }

        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            if (event != 0) {
                NativeBridge.eventDestroy(runtime, event);
                event = 0;
            }
        }
    }

    /** Lets the stream finish what it was given, then releases the mappings, the pinned pool and the runtime. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        NativeBridge.streamDestroy(runtime, stream);
        NativeBridge.hostFree(runtime, pinned);
        if (opened) {
            for (long base : regions) {
                NativeBridge.ipcClose(runtime, base);
            }
        }
        NativeBridge.close(runtime);
    }

    /**
     * The size a host-backend handle names ({@code SPWH}, 4 zero bytes, the size as 8 little-endian bytes, the
     * segment's name), or -1 for another backend's handle, whose size it does not carry.
     */
    static long hostHandleSize(byte[] handle) {
        if (handle.length < 16 || !Arrays.equals(handle, 0, 4, HOST_HANDLE_MAGIC, 0, 4)) {
            return -1;
        }
        return ByteBuffer.wrap(handle, 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Settings of a context; the worker's allocations are given either as IPC handles or as raw pointers. */
    public static final class Builder {
        private Backend backend = Backend.HOST;
        private String library;
        private int device;
        private KvCacheSpec spec;
        private List<byte[]> handles;
        private long[] pointers;
        private int slots = 64;
        private int copyFaults;
        private SegmentPolicy segments = SegmentPolicy.DEFAULT;

        public Builder backend(Backend v) {
            backend = v;
            return this;
        }

        /** A runtime library file to load instead of the usual names (libcudart.so..., libamdhip64.so...). */
        public Builder library(String v) {
            library = v;
            return this;
        }

        public Builder device(int v) {
            device = v;
            return this;
        }

        /**
         * The worker's allocations by their IPC handles (64 bytes each), one a region of {@code v}; each layer's
         * origin and span are offsets in its region's allocation (PyTorch's caching allocator hands out pieces of
         * larger allocations: {@code storage._share_cuda_()} gives the handle and the piece's offset in it).
         */
        public Builder ipcHandles(KvCacheSpec v, List<byte[]> regionHandles) {
            spec = v;
            handles = List.copyOf(regionHandles);
            pointers = null;
            return this;
        }

        /** The allocations by address, in this process (a test, or an in-process worker). */
        public Builder pointers(KvCacheSpec v, long[] regionPointers) {
            spec = v;
            pointers = regionPointers.clone();
            handles = null;
            return this;
        }

        /**
         * Fault injection, host backend only: the first {@code n} transfers found done report that their copies
         * failed (what a device error looks like to the caller).
         */
        public Builder injectCopyFaults(int n) {
            copyFaults = n;
            return this;
        }

        /**
         * Which host-backend segments a handle may name ({@link SegmentPolicy#DEFAULT}: {@code /spillway-...} of this
         * process's user).
         */
        public Builder segments(SegmentPolicy v) {
            if (v == null) {
                throw new IllegalArgumentException("a segment policy is needed");
            }
            segments = v;
            return this;
        }

        /** Pinned host slots of a block each (default 64). */
        public Builder slots(int v) {
            slots = v;
            return this;
        }

        public BridgeContext build() {
            if (spec == null) {
                throw new IllegalArgumentException("the worker's KV tensors are needed: ipcHandles(...) or "
                    + "pointers(...)");
            }
            int given = handles != null ? handles.size() : pointers.length;
            if (given != spec.regions()) {
                throw new IllegalArgumentException(spec.regions() + " regions are placed but " + given
                    + (handles != null ? " handles" : " pointers") + " were given");
            }
            if (slots < 1) {
                throw new IllegalArgumentException("the pinned pool needs at least one slot, got " + slots);
            }
            if (backend == null) {
                throw new IllegalArgumentException("a backend is needed: host, cuda or hip");
            }
            if (copyFaults > 0 && backend != Backend.HOST) {
                throw new IllegalArgumentException("copy faults can be injected on the host backend only");
            }
            return new BridgeContext(this);
        }
    }
}
