package io.spillway.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
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
            assertTrue(e.getMessage().contains("region 0 has 2048 bytes"), e.getMessage());
        }
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
