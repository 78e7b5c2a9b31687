package io.spillway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.BodyLayout;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.ResponseEncoder;
import io.spillway.tier.BlockHandle;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Answers one GET_BATCH. The CPU tier is read on the event loop; keys it misses are read from NVMe on the tier
 * executor (a disk read never stalls other connections), then the response is written from the event loop as one
 * composite buffer: headers in a small pooled buffer, each block as a wrapped view of the tier's memory, never
 * copied. The pinned handles are closed when the write completes (or fails).
 *
 * <p>Hits that would take the body past {@code maxFrameBytes} are answered {@code NOT_FOUND}: a miss is always safe.
 * In a cluster, keys this node does not own are answered {@code NOT_OWNER} without reading the tiers, and the
 * response ends with the topology trailer (the version of the map the keys were checked against).
 *
 * <p>Direct memory that runs out on the way (an NVMe read's buffer, the response's own) ends the request with a
 * request-level {@code RESOURCE_EXHAUSTED}: every handle read so far is closed first, so their memory comes back, and
 * the connection keeps serving ({@link DirectMemory}).
 */
final class GetBatchResponder {
    private static final Logger LOG = System.getLogger(GetBatchResponder.class.getName());

    private final NodeServices node;
    private final int requestId;
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final long startNanos;
    private final BlockHandle[] handles;
    private final PartitionMap map;
    private boolean[] failed;
    private boolean[] notOwned;
    /** Why the request ran out of direct memory, or {@code null}; once set, no further key is read. */
    private String exhausted;

    /** {@code standIn}: a stand-in request, which may also read keys this node stands in for. */
    GetBatchResponder(NodeServices node, int requestId, BlockKey namespace, BlockKey[] keys, long startNanos,
                      boolean standIn) {
        this.node = node;
        this.requestId = requestId;
        this.namespace = namespace;
        this.keys = keys;
        this.startNanos = startNanos;
        this.handles = new BlockHandle[keys.length];
        this.map = node.ownershipMap();
        if (map != null) {
            String self = node.selfId();
            for (int i = 0; i < keys.length; i++) {
                if (!map.owns(self, namespace, keys[i]) && !(standIn && map.standsIn(self, namespace, keys[i]))) {
                    if (notOwned == null) {
                        notOwned = new boolean[keys.length];
                    }
                    notOwned[i] = true;
                }
            }
        }
    }

    /** Reads the CPU tier; {@code true} when some key still needs a slower tier ({@link #readSlow()}). */
    boolean readFast() {
        boolean slow = false;
        for (int i = 0; i < keys.length; i++) {
            if (notOwned(i)) {
                continue;
            }
            try {
                handles[i] = node.tiers().getFast(namespace, keys[i]);
            } catch (RuntimeException e) {
                fail(i, e);
            } catch (OutOfMemoryError e) {
                exhausted(i, e);
                return false;
            }
            slow |= handles[i] == null && !failed(i) && !notOwned(i);
        }
        return slow && node.tiers().hasSlowTier();
    }

    /** Reads the misses from the slower tiers (may block on disk: tier executor only). */
    void readSlow() {
        for (int i = 0; i < keys.length && exhausted == null; i++) {
            if (handles[i] == null && !failed(i) && !notOwned(i)) {
                try {
                    handles[i] = node.tiers().getSlow(namespace, keys[i]);
                } catch (RuntimeException e) {
                    fail(i, e);
                } catch (OutOfMemoryError e) {
                    exhausted(i, e);
                }
            }
        }
    }

    /** Records a direct-memory exhaustion reading key {@code i}; rethrows any other {@link OutOfMemoryError}. */
    private void exhausted(int i, OutOfMemoryError e) {
        if (!DirectMemory.exhausted(e)) {
            throw e;
        }
        exhausted = DirectMemory.explain("reading block " + (i + 1) + " of " + keys.length + " (" + keys[i] + ")",
            e);
        closeHandles();
    }

    /** Writes the response; the handles are closed once it is written. Event loop only. */
    void respond(Responder responder) {
        if (exhausted == null) {
            try {
                write(responder);
                return;
            } catch (OutOfMemoryError e) {
                if (!DirectMemory.exhausted(e)) {
                    throw e;
                }
                closeHandles();
                exhausted = DirectMemory.explain("building the response", e);
            }
        }
        LOG.log(Level.WARNING, exhausted);
        responder.fail(OpCode.GET_BATCH.code(), requestId, startNanos, ErrorCode.RESOURCE_EXHAUSTED, exhausted);
    }

    private void write(Responder responder) {
        ByteBufAllocator alloc = responder.ctx().alloc();
        int n = keys.length;
        long version = map == null ? -1 : map.topologyVersion();
        long room = node.limits().maxFrameBytes() - BodyLayout.getBatchResponseBodyLength(n, 0)
            - (map == null ? 0 : FrameHeader.TOPOLOGY_TRAILER_LENGTH);
        long total = 0;
        for (int i = 0; i < n; i++) {
            if (handles[i] != null) {
                if (total + handles[i].length() > room) {
                    handles[i].close();
                    handles[i] = null;
                } else {
                    total += handles[i].length();
                }
            }
        }
        ByteBuf meta = alloc.directBuffer(FrameHeader.LENGTH + BodyLayout.COUNT_LENGTH
            + BodyLayout.ENTRY_HEADER_LENGTH * n + FrameHeader.TOPOLOGY_TRAILER_LENGTH);
        CompositeByteBuf out;
        try {
            out = alloc.compositeDirectBuffer(2 * n + 2);
        } catch (OutOfMemoryError e) {
            meta.release();
            throw e;
        }
        ResponseEncoder.writeGetBatchStart(meta, requestId, n, total, version);
        int from = 0;
        for (int i = 0; i < n; i++) {
            BlockHandle h = handles[i];
            if (h == null) {
                ErrorCode status = notOwned(i) ? ErrorCode.NOT_OWNER
                    : failed(i) ? ErrorCode.INTERNAL : ErrorCode.NOT_FOUND;
                ResponseEncoder.writeGetMiss(meta, status);
                if (status != ErrorCode.NOT_FOUND) {
                    node.metrics().error(status);
                }
                continue;
            }
            ResponseEncoder.writeGetEntryHeader(meta, h.tier(), h.length(), h.crc32c());
            out.addComponent(true, meta.retainedSlice(from, meta.writerIndex() - from));
            from = meta.writerIndex();
            if (h.length() > 0) {
                out.addComponent(true, Unpooled.wrappedBuffer(h.data()));
            }
        }
        if (version >= 0) {
            ResponseEncoder.writeTopologyTrailer(meta, version);
        }
        if (meta.writerIndex() > from) {
            out.addComponent(true, meta.retainedSlice(from, meta.writerIndex() - from));
        }
        meta.release();
        long bytes = total;
        responder.complete(OpCode.GET_BATCH.code(), startNanos, out, () -> {
            closeHandles();
            node.metrics().bytesOut(bytes);
        });
    }

    /** Unpins everything read so far (the response will not be written). */
    void closeHandles() {
        for (int i = 0; i < handles.length; i++) {
            if (handles[i] != null) {
                handles[i].close();
                handles[i] = null;
            }
        }
    }

    private boolean notOwned(int i) {
        return notOwned != null && notOwned[i];
    }

    private boolean failed(int i) {
        return failed != null && failed[i];
    }

    private void fail(int i, RuntimeException e) {
        LOG.log(Level.WARNING, "tier get of " + keys[i] + " failed", e);
        if (failed == null) {
            failed = new boolean[keys.length];
        }
        failed[i] = true;
    }
}
