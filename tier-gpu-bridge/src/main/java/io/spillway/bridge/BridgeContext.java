package io.spillway.bridge;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One agent's view of one worker's KV cache: the backend, the worker's per-layer KV tensors (opened from their IPC
 * handles, or raw pointers in-process), a pool of pinned host slots of a block each, and batched asynchronous copies
 * of block lists between them on a dedicated stream. {@link #save} and {@link #load} only queue the copies and return
 * a {@link Transfer}; its {@link Transfer#isDone} polls the stream's event and never blocks, so an agent's duty
 * cycle can drive many transfers. Not thread-safe: one agent thread owns it.
 */
public final class BridgeContext implements AutoCloseable {
    private final Backend backend;
    private final long runtime;
    private final long stream;
    private final KvCacheSpec spec;
    private final long[] layers;
    private final boolean opened;
    private final long[] offsets;
    private final long pinned;
    private final int slots;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private boolean closed;

    private BridgeContext(Builder b) {
        NativeBridge.requireAvailable();
        this.backend = b.backend;
        this.spec = b.spec;
        this.slots = b.slots;
        long rt = NativeBridge.open(b.backend.code, b.library, b.device);
        long s = 0;
        long host = 0;
        long[] mapped = new long[spec.layers()];
        int opened = 0;
        try {
            s = NativeBridge.streamCreate(rt);
            if (b.handles != null) {
                for (; opened < mapped.length; opened++) {
                    mapped[opened] = NativeBridge.ipcOpen(rt, b.handles.get(opened));
                }
                for (int l = 0; l < mapped.length; l++) {
                    mapped[l] += b.offsets[l]; // a tensor may start inside the allocation its handle names
                }
            } else {
                System.arraycopy(b.pointers, 0, mapped, 0, mapped.length);
            }
            host = NativeBridge.hostAlloc(rt, spec.blockBytes() * slots);
        } catch (RuntimeException e) {
            for (int l = 0; l < opened; l++) {
                NativeBridge.ipcClose(rt, mapped[l] - (opened == mapped.length ? b.offsets[l] : 0));
            }
            if (s != 0) {
                NativeBridge.streamDestroy(rt, s);
            }
            NativeBridge.close(rt);
            throw e;
        }
        this.runtime = rt;
        this.stream = s;
        this.layers = mapped;
        this.opened = b.handles != null;
        this.offsets = b.handles != null ? b.offsets.clone() : new long[mapped.length];
        this.pinned = host;
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

    /** Slot {@code slot}'s bytes: every layer's key page then value page of the block it holds. */
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
        int n = blocks.length * spec.layers() * 2;
        long[] device = new long[n];
        long[] host = new long[n];
        long[] lengths = new long[n];
        long page = spec.pageBytes();
        int c = 0;
        for (int i = 0; i < blocks.length; i++) {
            checkSlot(slotIds[i]);
            long slotBase = pinned + slotIds[i] * spec.blockBytes();
            for (int l = 0; l < spec.layers(); l++) {
                device[c] = layers[l] + spec.keyOffset(blocks[i]);
                host[c] = slotBase + 2L * l * page;
                lengths[c++] = page;
                device[c] = layers[l] + spec.valueOffset(blocks[i]);
                host[c] = slotBase + (2L * l + 1) * page;
                lengths[c++] = page;
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
            for (int l = 0; l < layers.length; l++) {
                NativeBridge.ipcClose(runtime, layers[l] - offsets[l]);
            }
        }
        NativeBridge.close(runtime);
    }

    /** Settings of a context; the tensors are given either as IPC handles or as raw pointers. */
    public static final class Builder {
        private Backend backend = Backend.HOST;
        private String library;
        private int device;
        private KvCacheSpec spec;
        private List<byte[]> handles;
        private long[] offsets;
        private long[] pointers;
        private int slots = 64;

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

        /** The worker's layer tensors by their IPC handles (64 bytes each, one a layer), each at offset 0. */
        public Builder ipcHandles(KvCacheSpec v, List<byte[]> layerHandles) {
            return ipcHandles(v, layerHandles, new long[layerHandles.size()]);
        }

        /**
         * The same, each tensor {@code byteOffsets[l]} bytes into the allocation its handle names (PyTorch's caching
         * allocator hands out pieces of larger allocations; {@code storage._share_cuda_()} gives both).
         */
        public Builder ipcHandles(KvCacheSpec v, List<byte[]> layerHandles, long[] byteOffsets) {
            if (byteOffsets.length != layerHandles.size()) {
                throw new IllegalArgumentException(layerHandles.size() + " handles but " + byteOffsets.length
                    + " offsets");
            }
            for (long o : byteOffsets) {
                if (o < 0) {
                    throw new IllegalArgumentException("a tensor's offset must be >= 0, got " + o);
                }
            }
            spec = v;
            handles = List.copyOf(layerHandles);
            offsets = byteOffsets.clone();
            pointers = null;
            return this;
        }

        /** The layer tensors by address, in this process (a test, or an in-process worker). */
        public Builder pointers(KvCacheSpec v, long[] layerPointers) {
            spec = v;
            pointers = layerPointers.clone();
            handles = null;
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
            if (given != spec.layers()) {
                throw new IllegalArgumentException(spec.layers() + " layers but " + given + " tensors");
            }
            if (slots < 1) {
                throw new IllegalArgumentException("the pinned pool needs at least one slot, got " + slots);
            }
            if (backend == null) {
                throw new IllegalArgumentException("a backend is needed: host, cuda or hip");
            }
            return new BridgeContext(this);
        }
    }
}
