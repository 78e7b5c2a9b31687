package io.spillway.event.vllm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Writes vLLM KV-event payloads: events are added one by one, then {@link #finishBatch} wraps them into
 * {@code [ts, [events...], data_parallel_rank]} (the batch is positional in every vLLM version) and starts the next
 * batch. Events are written in one of the two encodings {@link VllmEventDecoder} reads:
 * <ul>
 *   <li>{@link EventFormat#ARRAY}: positional, tag first (vLLM before PR #42892). Every field that has no default in
 *       vLLM is written, so a {@code BlockStored} has at least 8 elements (tag, block_hashes, parent_block_hash,
 *       token_ids, block_size, lora_id, medium, lora_name), as vLLM sent it from PR #27577 until PR #42892; the
 *       defaulted trailing fields follow only when set.</li>
 *   <li>{@link EventFormat#MAP}: field names, the tag under {@code "type"} first (vLLM PR #42892 on, vLLM 0.34
 *       among them, whose own decoder reads nothing else); fields left at their default omitted, as msgspec's
 *       {@code omit_defaults} does.</li>
 * </ul>
 * Reusable and not thread-safe. Writing allocates no per-block objects: the key-array methods write 16-byte hashes
 * straight from {@code long} pairs.
 */
public final class VllmEventEncoder {
    /** How each event is written. */
    public enum EventFormat {
        /** Positional arrays with the tag first (vLLM before PR #42892). */
        ARRAY,
        /** Maps with the tag under {@code "type"} (vLLM PR #42892 on, and vLLM 0.34). */
        MAP
    }

    private static final int STORED_REQUIRED_FIELDS = 7;
    /** {@code BlockStored}'s fields with a default, in declaration order (vllm/distributed/kv_events.py). */
    private static final String[] STORED_OPTIONAL = {"extra_keys", "group_idx", "kv_cache_spec_kind",
        "kv_cache_spec_sliding_window", "locality", "ownership", "session_id", "lookahead_token_ids"};
    /** {@code BlockRemoved}'s fields with a default, in declaration order. */
    private static final String[] REMOVED_OPTIONAL = {"group_idx", "locality", "ownership"};

    private final EventFormat format;
    private final MessageBufferPacker events = MessagePack.newDefaultBufferPacker();
    private final MessageBufferPacker batch = MessagePack.newDefaultBufferPacker();
    private final byte[] scratch = new byte[16];
    private int eventCount;

    public VllmEventEncoder(EventFormat format) {
        this.format = Objects.requireNonNull(format, "format");
    }

    public EventFormat format() {
        return format;
    }

    /** Events added since the last {@link #finishBatch} or {@link #reset}. */
    public int eventCount() {
        return eventCount;
    }

    /** Encoded bytes of the events added so far (the batch adds a few more). */
    public long pendingBytes() {
        return events.getTotalWrittenBytes();
    }

    /** Drops the events added since the last batch. */
    public void reset() {
        events.clear();
        eventCount = 0;
    }

    /**
     * Adds an event.
     *
     * @throws IllegalArgumentException for a {@link VllmEvent.Unknown}, a {@link VllmEvent.Rejected} or an
     *                                  {@link VllmExtraKey.Other} (nothing to write) and for a bytes extra key that
     *                                  is not hex
     */
    public VllmEventEncoder add(VllmEvent event) {
        Objects.requireNonNull(event, "event");
        try {
            if (event instanceof VllmEvent.BlockStored e) {
                writeBlockStored(e);
            } else if (event instanceof VllmEvent.BlockRemoved e) {
                Object[] optional = {e.groupIdx(), e.locality(), e.ownership()};
                beginEvent(VllmWire.BLOCK_REMOVED, 2 + optionalWritten(optional));
                field("block_hashes");
                writeHashes(e.blockHashes());
                field("medium");
                writeString(e.medium());
                writeOptional(REMOVED_OPTIONAL, optional);
            } else if (event instanceof VllmEvent.AllBlocksCleared) {
                beginEvent(VllmWire.ALL_BLOCKS_CLEARED, 0);
            } else {
                throw new IllegalArgumentException("cannot encode " + event);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        eventCount++;
        return this;
    }

    /**
     * Adds a location-only {@code BlockStored}: {@code count} blocks whose hashes are the 16-byte block keys
     * {@code (his[i], los[i])}, {@code i} from {@code offset} (big-endian {@code hi} then {@code lo}, the key's wire
     * form), no parent, no token ids.
     */
    public VllmEventEncoder blockStoredKeys(long[] his, long[] los, int offset, int count, int blockSize,
                                            String medium) {
        checkKeys(his, los, offset, count);
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0, got " + blockSize);
        }
        try {
            beginEvent(VllmWire.BLOCK_STORED, STORED_REQUIRED_FIELDS);
            field("block_hashes");
            writeKeys(his, los, offset, count);
            field("parent_block_hash");
            events.packNil();
            field("token_ids");
            events.packArrayHeader(0);
            field("block_size");
            events.packInt(blockSize);
            field("lora_id");
            events.packNil();
            field("medium");
            writeString(medium);
            field("lora_name");
            events.packNil();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        eventCount++;
        return this;
    }

    /** Adds a {@code BlockRemoved} of {@code count} 16-byte block keys, as {@link #blockStoredKeys} writes them. */
    public VllmEventEncoder blockRemovedKeys(long[] his, long[] los, int offset, int count, String medium) {
        checkKeys(his, los, offset, count);
        try {
            beginEvent(VllmWire.BLOCK_REMOVED, 2);
            field("block_hashes");
            writeKeys(his, los, offset, count);
            field("medium");
            writeString(medium);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        eventCount++;
        return this;
    }

    /**
     * Wraps the events added since the last batch into a payload and starts a new batch.
     *
     * @param ts               seconds since the epoch
     * @param dataParallelRank written as given; {@code null} writes nil
     */
    public byte[] finishBatch(double ts, Integer dataParallelRank) {
        try {
            batch.clear();
            batch.packArrayHeader(3);
            batch.packDouble(ts);
            batch.packArrayHeader(eventCount);
            batch.writePayload(events.toByteArray());
            if (dataParallelRank == null) {
                batch.packNil();
            } else {
                batch.packInt(dataParallelRank);
            }
            byte[] payload = batch.toByteArray();
            reset();
            return payload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Encodes a whole batch in one call. */
    public static byte[] encode(VllmEventBatch batch, EventFormat format) {
        VllmEventEncoder encoder = new VllmEventEncoder(format);
        for (VllmEvent event : batch.events()) {
            encoder.add(event);
        }
        return encoder.finishBatch(batch.ts(), batch.dataParallelRank());
    }

    private void writeBlockStored(VllmEvent.BlockStored e) throws IOException {
        Object[] optional = {e.extraKeys(), e.groupIdx(), e.kvCacheSpecKind(), e.kvCacheSpecSlidingWindow(),
            e.locality(), e.ownership(), e.sessionId(), e.lookaheadTokenIds()};
        beginEvent(VllmWire.BLOCK_STORED, STORED_REQUIRED_FIELDS + optionalWritten(optional));
        field("block_hashes");
        writeHashes(e.blockHashes());
        field("parent_block_hash");
        writeHash(e.parentBlockHash());
        field("token_ids");
        events.packArrayHeader(e.tokenCount());
        for (int i = 0; i < e.tokenCount(); i++) {
            events.packLong(Integer.toUnsignedLong(e.tokenId(i))); // unsigned 32-bit ids
        }
        field("block_size");
        events.packInt(e.blockSize());
        field("lora_id");
        writeInt(e.loraId());
        field("medium");
        writeString(e.medium());
        field("lora_name");
        writeString(e.loraName());
        writeOptional(STORED_OPTIONAL, optional);
    }

    /**
     * How many of the defaulted fields {@code values} are written: positional, all up to the last one set (msgspec
     * omits only trailing defaults); map, only those set.
     */
    private int optionalWritten(Object[] values) {
        int present = 0;
        int last = -1;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                present++;
                last = i;
            }
        }
        return format == EventFormat.ARRAY ? last + 1 : present;
    }

    /** Writes the defaulted fields {@code names[i] = values[i]} as {@link #optionalWritten} counted them. */
    private void writeOptional(String[] names, Object[] values) throws IOException {
        int last = -1;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                last = i;
            }
        }
        for (int i = 0; i <= last; i++) {
            if (format == EventFormat.MAP && values[i] == null) {
                continue;
            }
            field(names[i]);
            writeValue(values[i]);
        }
    }

    @SuppressWarnings("unchecked")
    private void writeValue(Object value) throws IOException {
        if (value == null) {
            events.packNil();
        } else if (value instanceof Integer v) {
            events.packInt(v);
        } else if (value instanceof String v) {
            events.packString(v);
        } else if (value instanceof int[][] lists) {
            events.packArrayHeader(lists.length);
            for (int[] tokens : lists) {
                events.packArrayHeader(tokens.length);
                for (int t : tokens) {
                    events.packLong(Integer.toUnsignedLong(t));
                }
            }
        } else {
            writeExtraKeys((List<List<VllmExtraKey>>) value);
        }
    }

    /** Starts an event of {@code fields} fields besides its tag, and writes the tag. */
    private void beginEvent(String tag, int fields) throws IOException {
        if (format == EventFormat.ARRAY) {
            events.packArrayHeader(fields + 1);
        } else {
            events.packMapHeader(fields + 1);
            events.packString(VllmWire.TAG_FIELD);
        }
        events.packString(tag);
    }

    /** Writes a field's name in the map encoding; nothing in the positional one. */
    private void field(String name) throws IOException {
        if (format == EventFormat.MAP) {
            events.packString(name);
        }
    }

    private void writeHashes(List<EngineBlockHash> hashes) throws IOException {
        events.packArrayHeader(hashes.size());
        for (EngineBlockHash h : hashes) {
            writeHash(h);
        }
    }

    private void writeHash(EngineBlockHash h) throws IOException {
        if (h == null) {
            events.packNil();
        } else if (h.isBytes()) {
            byte[] b = h.bytes();
            events.packBinaryHeader(b.length);
            events.writePayload(b);
        } else if (h.longValue() < 0) {
            // A uint64 above Long.MAX_VALUE: msgpack's uint64 (0xcf), as Python encodes it.
            events.packBigInteger(new BigInteger(Long.toUnsignedString(h.longValue())));
        } else {
            events.packLong(h.longValue());
        }
    }

    private void writeKeys(long[] his, long[] los, int offset, int count) throws IOException {
        events.packArrayHeader(count);
        for (int i = offset; i < offset + count; i++) {
            putLong(his[i], 0);
            putLong(los[i], 8);
            events.packBinaryHeader(16);
            events.writePayload(scratch, 0, 16);
        }
    }

    private void putLong(long v, int at) {
        for (int i = 7; i >= 0; i--) {
            scratch[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    private void writeExtraKeys(List<List<VllmExtraKey>> blocks) throws IOException {
        if (blocks == null) {
            events.packNil();
            return;
        }
        events.packArrayHeader(blocks.size());
        for (List<VllmExtraKey> items : blocks) {
            if (items == null) {
                events.packNil();
                continue;
            }
            events.packArrayHeader(items.size());
            for (VllmExtraKey item : items) {
                if (item instanceof VllmExtraKey.Text t) {
                    events.packString(t.value());
                } else if (item instanceof VllmExtraKey.Multimodal m) {
                    events.packArrayHeader(2);
                    events.packString(m.identifier());
                    events.packLong(m.offset());
                } else if (item instanceof VllmExtraKey.Binary b) {
                    byte[] bytes = HexFormat.of().parseHex(b.hex());
                    events.packBinaryHeader(bytes.length);
                    events.writePayload(bytes);
                } else {
                    throw new IllegalArgumentException("cannot encode extra key " + item);
                }
            }
        }
    }

    private void writeString(String s) throws IOException {
        if (s == null) {
            events.packNil();
        } else {
            events.packString(s);
        }
    }

    private void writeInt(Integer v) throws IOException {
        if (v == null) {
            events.packNil();
        } else {
            events.packInt(v);
        }
    }

    private static void checkKeys(long[] his, long[] los, int offset, int count) {
        Objects.requireNonNull(his, "his");
        Objects.requireNonNull(los, "los");
        int length = Math.min(his.length, los.length);
        if (offset < 0 || count < 0 || (long) offset + count > length) {
            throw new IllegalArgumentException("keys [" + offset + ", " + offset + " + " + count
                + ") do not fit in arrays of " + length);
        }
    }
}
