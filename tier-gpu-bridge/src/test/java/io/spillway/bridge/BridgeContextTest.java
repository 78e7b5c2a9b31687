package io.spillway.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bridge on its host backend, as an agent uses it: a "worker" allocates its layer tensors as device memory and
 * exports their IPC handles; the agent opens them, saves blocks into pinned slots and loads them back elsewhere.
 */
public class BridgeContextTest {
    private static final KvCacheSpec SPEC = KvCacheSpec.kvFirst(3, 16, 16, 2, 8, 2);

    /** Every layout the vLLM connector registers, 3 layers and 16 blocks each. */
    public static List<KvCacheSpec> layouts() {
        long page = 2L * 16 * 2 * 8 * 2; // keys and values of 16 tokens, 2 heads of 8, 2-byte elements
        List<LayerPlacement> crossLayer = new ArrayList<>();
        for (int l = 0; l < 3; l++) { // one tensor [num_blocks, layers, page]: blocks outermost
            crossLayer.add(new LayerPlacement(0, l * page, 3 * page, 0, 16 * 3 * page));
        }
        return List.of(
            KvCacheSpec.kvFirst(3, 16, 16, 2, 8, 2), // [2, num_blocks, ...]: two runs a page
            KvCacheSpec.blockFirst(3, 16, 16, 2, 8, 2), // FlashInfer's and vLLM 0.34's: one run
            new KvCacheSpec(16, PageRuns.contiguous(page), crossLayer), // vLLM's cross-layer layout
            KvCacheSpec.contiguousPages(3, 16, 16 * 576 * 2)); // MLA: one latent row a token, no K/V halves
    }

    @Test
    void theLibraryLoadsHere() {
        assertTrue(NativeBridge.isAvailable(), "cause: " + NativeBridge.unavailabilityCause());
    }

    @Test
    void blocksSavedThroughIpcHandlesComeBackByteForByteIntoOtherBlocks() throws Exception {
        for (KvCacheSpec spec : layouts()) {
            String layout = spec.toString();
            try (HostKvCache worker = new HostKvCache(spec);
                 BridgeContext agent = BridgeContext.builder().ipcHandles(spec, worker.handles()).slots(4).build()) {
                List<byte[]> original = current(worker, spec);
                int[] slots = agent.takeSlots(2);
                try (BridgeContext.Transfer save = agent.save(new int[] {3, 7}, slots)) {
                    await(save);
                    assertEquals(2 * spec.blockBytes(), save.bytes());
                }
                assertArrayEquals(worker.block(3), bytes(agent.slot(slots[0])), layout + ": block 3 in slot");
                assertArrayEquals(worker.block(7), bytes(agent.slot(slots[1])), layout + ": block 7 in slot");

                byte[] before12 = worker.block(12);
                try (BridgeContext.Transfer load = agent.load(new int[] {12, 0}, slots)) {
                    await(load);
                }
                assertArrayEquals(worker.block(3), worker.block(12), layout + ": block 3's bytes now in block 12");
                assertArrayEquals(worker.block(7), worker.block(0), layout + ": block 7's bytes now in block 0");
                assertTrue(!Arrays.equals(before12, worker.block(12)), "the load changed block 12");
                assertArrayEquals(allBut(original, 12, 0), allBut(current(worker, spec), 12, 0),
                    layout + ": nothing else moved");
                agent.giveBack(slots);
                assertEquals(4, agent.freeSlots());
            }
        }
    }

    @Test
    void blocksMoveInPlaceOnlyWhereEachIsOneRunOfTheHostBackendsMemory() throws Exception {
        List<KvCacheSpec> all = layouts();
        KvCacheSpec crossLayer = all.get(2);
        KvCacheSpec ring = KvCacheSpec.contiguousPages(1, 16, 4096); // the host-staged ring: a block a page
        assertEquals(List.of(false, false, true, false), all.stream().map(KvCacheSpec::blocksContiguous).toList(),
            "kv_first (keys apart from values), block_first and MLA (each layer's page apart): scattered");
        assertTrue(ring.blocksContiguous());
        for (KvCacheSpec spec : List.of(crossLayer, ring)) {
            try (HostKvCache worker = new HostKvCache(spec);
                 BridgeContext agent = BridgeContext.builder().ipcHandles(spec, worker.handles()).slots(2).build()) {
                assertTrue(agent.inPlace(), spec.toString());
                for (int b : new int[] {0, 5, 15}) {
                    assertArrayEquals(worker.block(b), bytes(agent.blockInPlace(b)), spec + ": block " + b);
                }
                ByteBuffer seven = agent.blockInPlace(7);
                byte[] nines = new byte[(int) spec.blockBytes()];
                Arrays.fill(nines, (byte) 9);
                seven.put(nines);
                assertArrayEquals(nines, worker.block(7), "written where the worker keeps block 7");
                IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                    () -> agent.blockInPlace(16));
                assertTrue(outside.getMessage().contains("block 16 is outside the cache's 0..15"),
                    outside.getMessage());
            }
        }
        try (HostKvCache worker = new HostKvCache(SPEC);
             BridgeContext agent = BridgeContext.builder().ipcHandles(SPEC, worker.handles()).slots(2).build()) {
            assertFalse(agent.inPlace());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> agent.blockInPlace(0));
            assertTrue(e.getMessage().contains("copied through slots"), e.getMessage());
        }
        try (HostKvCache worker = new HostKvCache(crossLayer);
             BridgeContext faulty = BridgeContext.builder().ipcHandles(crossLayer, worker.handles()).slots(2)
                 .injectCopyFaults(1).build()) {
            assertFalse(faulty.inPlace(), "injected copy faults ask for the copy path");
        }
    }

    @Test
    void badHandlesBadBlocksAndAMissingRuntimeAreClearErrors() throws Exception {
        try (HostKvCache worker = new HostKvCache(SPEC)) {
            List<byte[]> handles = new ArrayList<>(worker.handles());
            handles.set(1, new byte[64]); // zeros: not a handle
            BridgeException e = assertThrows(BridgeException.class,
                () -> BridgeContext.builder().ipcHandles(SPEC, handles).build());
            assertTrue(e.getMessage().contains("IPC handle"), e.getMessage());
            handles.set(1, new byte[12]);
            e = assertThrows(BridgeException.class, () -> BridgeContext.builder().ipcHandles(SPEC, handles).build());
            assertTrue(e.getMessage().contains("64 bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                () -> BridgeContext.builder().ipcHandles(SPEC, worker.handles().subList(0, 2)).build());
            try (BridgeContext agent = BridgeContext.builder().ipcHandles(SPEC, worker.handles()).slots(1).build()) {
                assertThrows(IllegalArgumentException.class, () -> agent.save(new int[] {16}, new int[] {0}));
                assertThrows(IllegalArgumentException.class, () -> agent.save(new int[] {1}, new int[] {1}));
                assertEquals(null, agent.takeSlots(2), "one slot: two cannot be taken");
            }
        }
        BridgeException e = assertThrows(BridgeException.class, () -> BridgeContext.builder().backend(Backend.CUDA)
            .library("/nonexistent/libcudart.so").pointers(SPEC, new long[3]).build());
        assertTrue(e.getMessage().contains("/nonexistent/libcudart.so"), e.getMessage());
    }

    @Test
    void aRegistrationThatReachesOutsideItsTensorsIsRefused() throws Exception {
        long page = 512;
        // block 15 of a layer starting at 0, stride 512, would end at 8192 > the span's 8000
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KvCacheSpec(16,
            PageRuns.contiguous(page), List.of(new LayerPlacement(0, 0, page, 0, 8000))));
        assertTrue(e.getMessage().contains("do not fit the layer's span"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PageRuns(new long[] {0, 100}, new long[] {200, 50}));
        // a span that claims more than the worker's segment holds: refused at open, before any copy
        KvCacheSpec small = KvCacheSpec.contiguousPages(1, 4, page);
        KvCacheSpec claimsMore = new KvCacheSpec(8, PageRuns.contiguous(page),
            List.of(new LayerPlacement(0, 0, page, 0, 8 * page)));
        try (HostKvCache worker = new HostKvCache(small)) {
            e = assertThrows(IllegalArgumentException.class,
                () -> BridgeContext.builder().ipcHandles(claimsMore, worker.handles()).build());
            assertTrue(e.getMessage().contains("requested end, byte 4096, is past its mapped size of 2048 bytes"),
                e.getMessage());
        }
    }

    @Test
    void aBlockCountOrAnOffsetPastTheMappingIsRefusedNamingBothSizes() throws Exception {
        long page = 512;
        KvCacheSpec worker4 = KvCacheSpec.contiguousPages(2, 4, page); // 2 layers of 4 blocks: 2048 bytes each
        // twice the blocks, with spans to match: the spans agree with the blocks, the mapping does not
        KvCacheSpec moreBlocks = new KvCacheSpec(8, PageRuns.contiguous(page), List.of(
            new LayerPlacement(0, 0, page, 0, 8 * page), new LayerPlacement(1, 0, page, 0, 8 * page)));
        // the right block count, placed 1 KiB into the allocation
        KvCacheSpec offset = new KvCacheSpec(4, PageRuns.contiguous(page), List.of(
            new LayerPlacement(0, 0, page, 0, 4 * page), new LayerPlacement(1, 1024, page, 1024, 1024 + 4 * page)));
        try (HostKvCache worker = new HostKvCache(worker4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BridgeContext.builder().ipcHandles(moreBlocks, worker.handles()).build());
            assertEquals("region 0: its layers' requested end, byte 4096, is past its mapped size of 2048 bytes",
                e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                () -> BridgeContext.builder().ipcHandles(offset, worker.handles()).build());
            assertEquals("region 1: its layers' requested end, byte 3072, is past its mapped size of 2048 bytes",
                e.getMessage());
            try (BridgeContext fits = BridgeContext.builder().ipcHandles(worker4, worker.handles()).build()) {
                assertEquals(4, fits.spec().numBlocks(), "the worker's own layout opens");
            }
        }
    }

    @Test
    void theNativeSideRefusesACopyOutsideItsMappingsAndQueuesNothingOfTheBatch() throws Exception {
        long rt = NativeBridge.open(Backend.HOST.code, null, 0);
        long device = NativeBridge.deviceAlloc(rt, 8192);
        long pinned = NativeBridge.hostAlloc(rt, 4096);
        long stream = NativeBridge.streamCreate(rt);
        try {
            ByteBuffer d = NativeBridge.wrap(device, 8192);
            for (int i = 0; i < 8192; i++) {
                d.put(i, (byte) 7);
            }
            // copy 0 fits; copy 1 ends a byte past the allocation
            BridgeException e = assertThrows(BridgeException.class, () -> NativeBridge.copyBatch(rt, stream,
                new long[] {device, device + 8192 - 4095}, new long[] {pinned, pinned}, new long[] {16, 4096}, 2, 1));
            assertTrue(e.getMessage().startsWith("copy 1 of 2 refused: device bytes"), e.getMessage());
            e = assertThrows(BridgeException.class, () -> NativeBridge.copyBatch(rt, stream,
                new long[] {pinned}, new long[] {device}, new long[] {4097}, 1, 0));
            assertTrue(e.getMessage().contains("outside every pinned host mapping"), e.getMessage());
            long event = NativeBridge.eventRecord(rt, stream);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (NativeBridge.eventQuery(rt, event) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            NativeBridge.eventDestroy(rt, event);
            for (int i = 0; i < 16; i++) {
                assertEquals(7, d.get(i), "the batch's fitting copy was not queued either");
            }
            assertEquals(8192 - 100, NativeBridge.mappedBytes(rt, device + 100));
        } finally {
            NativeBridge.streamDestroy(rt, stream);
            NativeBridge.hostFree(rt, pinned);
            NativeBridge.deviceFree(rt, device);
            NativeBridge.close(rt);
        }
    }

    @Test
    void onlySegmentsNamedWithThePolicysPrefixAreOpened() throws Exception {
        String name = "other-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100_000;
        Path file = Path.of("/dev/shm", name); // where glibc keeps POSIX shared memory
        Files.write(file, new byte[2048]);
        try {
            KvCacheSpec spec = KvCacheSpec.contiguousPages(1, 4, 512);
            List<byte[]> handles = List.of(hostHandle("/" + name, 2048));
            BridgeException e = assertThrows(BridgeException.class,
                () -> BridgeContext.builder().ipcHandles(spec, handles).build());
            assertTrue(e.getMessage().contains("refused, this agent opens only shared-memory segments named "
                + "/spillway-"), e.getMessage());
            try (BridgeContext other = BridgeContext.builder().ipcHandles(spec, handles)
                .segments(new SegmentPolicy("other-", List.of())).build()) {
                assertEquals(1, other.spec().regions(), "the policy's own prefix opens");
            }
            List<byte[]> escape = List.of(hostHandle("/spillway-x/../../" + name, 2048));
            e = assertThrows(BridgeException.class, () -> BridgeContext.builder().ipcHandles(spec, escape).build());
            assertTrue(e.getMessage().contains("refused"), e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A host-backend handle naming {@code name} of {@code size} bytes (SharedSegment's format). */
    private static byte[] hostHandle(String name, long size) {
        ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {'S', 'P', 'W', 'H', 0, 0, 0, 0}).putLong(size).put(name.getBytes(StandardCharsets.US_ASCII));
        return h.array();
    }

    @Test
    void aWorkersSegmentThatIsGoneCannotBeOpened() {
        byte[] handle;
        List<byte[]> handles;
        try (HostKvCache worker = new HostKvCache(SPEC)) {
            handles = worker.handles();
            handle = handles.get(0);
        }
        BridgeException e = assertThrows(BridgeException.class,
            () -> BridgeContext.builder().ipcHandles(SPEC, handles).build());
        assertTrue(e.getMessage().contains("No such file"), e.getMessage());
        assertEquals(64, handle.length);
    }

    private static void await(BridgeContext.Transfer t) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!t.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("a transfer did not finish in 10 s");
            }
            Thread.sleep(1);
        }
    }

    private static List<byte[]> current(HostKvCache worker, KvCacheSpec spec) {
        List<byte[]> out = new ArrayList<>();
        for (int k = 0; k < spec.numBlocks(); k++) {
            out.add(worker.block(k));
        }
        return out;
    }

    /** Every block's bytes but blocks {@code a} and {@code b}, one after the other. */
    private static byte[] allBut(List<byte[]> blocks, int a, int b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < blocks.size(); k++) {
            if (k != a && k != b) {
                out.writeBytes(blocks.get(k));
            }
        }
        return out.toByteArray();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
