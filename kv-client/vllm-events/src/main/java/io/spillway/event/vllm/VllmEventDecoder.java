package io.spillway.event.vllm;

import io.spillway.event.vllm.VllmDecodeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Decodes the msgpack payload of a vLLM KV-event message into a {@link VllmEventBatch}, in both encodings vLLM has
 * used (docs/events-vllm.md):
 * <ul>
 *   <li><b>positional</b> (msgspec {@code array_like=True}, vLLM before PR #42892): an event is an array, tag first,
 *       then the fields in declaration order, trailing fields left at their default omitted;</li>
 *   <li><b>tagged map</b> (vLLM PR #42892 on): an event is a map of field names, the tag under {@code "type"};
 *       fields left at their default omitted; key order not significant.</li>
 * </ul>
 * The batch itself is accepted as {@code [ts, events, data_parallel_rank?]} (what vLLM sends in both eras) or as a
 * map {@code {ts, events, data_parallel_rank}}; each event is detected on its own, so a batch may mix encodings.
 *
 * <p><b>Validation.</b> Every field's msgpack type is checked; counts and lengths are checked against {@link Limits}
 * and against the bytes left before anything is allocated; token ids must be in {@code [0, 2^32)} (held as the {@code int} of their 32 bits, as keys hash them), a block size
 * positive when the event has token ids and never negative (0 is the offloading connector's placeholder for an event
 * without them), {@code extra_keys} one entry per block. Fields this decoder does not know (map keys, trailing array
 * elements) are skipped: newer vLLM versions add fields. No exception but {@link VllmDecodeException}, naming the
 * place, escapes for any input.
 *
 * <p><b>One bad event never costs its batch.</b> An event with an unknown tag becomes {@link VllmEvent.Unknown}; an
 * event that breaks a rule above (a wrong type, a value out of range, a required field absent, a count over a limit,
 * a tag that is not a string) becomes {@link VllmEvent.Rejected} with the reason and the place, and decoding goes on
 * at the next event. Failing the batch would drop its good events too (removals among them, which would leave stale
 * locations behind); skipping loses only what could not be understood, and the consumer counts it. Only a payload
 * whose structure is broken (truncated, not msgpack, an event whose end cannot be found) or whose batch envelope is
 * wrong ({@code ts}, the events array, {@code data_parallel_rank}, trailing bytes) fails as a whole.
 *
 * <p>Not thread-safe: one instance per thread (it reuses a UTF-8 decoder and scratch fields).
 */
public final class VllmEventDecoder {
    /**
     * Bounds on what one payload may hold; a payload over them is {@link Reason#TOO_LARGE}.
     *
     * @param maxEvents            events in a batch
     * @param maxBlocksPerEvent    block hashes (and extra-key entries) in an event
     * @param maxTokensPerEvent    token ids in an event
     * @param maxStringBytes       UTF-8 bytes of a string (a medium, a LoRA name, a map key, an extra key)
     * @param maxExtraKeysPerBlock items in one block's extra-key tuple
     */
    public record Limits(int maxEvents, int maxBlocksPerEvent, int maxTokensPerEvent, int maxStringBytes,
                         int maxExtraKeysPerBlock) {
        /** 64 Ki events and blocks, 4 Mi tokens per event, 4 KiB strings, 256 extra keys per block. */
        public static final Limits DEFAULT = new Limits(65_536, 65_536, 4_194_304, 4_096, 256);

        public Limits {
            requirePositive("maxEvents", maxEvents);
            requirePositive("maxBlocksPerEvent", maxBlocksPerEvent);
            requirePositive("maxTokensPerEvent", maxTokensPerEvent);
            requirePositive("maxStringBytes", maxStringBytes);
            requirePositive("maxExtraKeysPerBlock", maxExtraKeysPerBlock);
        }

        private static void requirePositive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, got " + value);
            }
        }
    }

    /** Field order of the positional {@code BlockStored} after its tag (vllm/distributed/kv_events.py). */
    static final String[] BLOCK_STORED_FIELDS = {"block_hashes", "parent_block_hash", "token_ids", "block_size",
        "lora_id", "medium", "lora_name", "extra_keys", "group_idx", "kv_cache_spec_kind",
        "kv_cache_spec_sliding_window", "locality", "ownership", "session_id", "lookahead_token_ids"};
    /** Field order of the positional {@code BlockRemoved} after its tag. */
    static final String[] BLOCK_REMOVED_FIELDS = {"block_hashes", "medium", "group_idx", "locality", "ownership"};

    private static final int MAX_MAP_ENTRIES = 1_024;

    private final Limits limits;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final Fields fields = new Fields();

    private MessageUnpacker in;
    private byte[] payload;
    private int offset;
    private int length;
    /** Where {@link #in} starts, counted from {@link #offset}: it moves when decoding resumes after a bad event. */
    private int base;
    private int event;
    private String field;
    private String tag;

    public VllmEventDecoder() {
        this(Limits.DEFAULT);
    }

    public VllmEventDecoder(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public Limits limits() {
        return limits;
    }

    /** Decodes a whole payload. */
    public VllmEventBatch decode(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        return decode(payload, 0, payload.length);
    }

    /**
     * Decodes the payload in {@code payload[offset, offset + length)}: exactly one batch, nothing after it.
     *
     * @throws VllmDecodeException naming what is wrong and where
     */
    public VllmEventBatch decode(byte[] payload, int offset, int length) {
        Objects.requireNonNull(payload, "payload");
        Objects.checkFromIndexSize(offset, length, payload.length);
        this.in = MessagePack.newDefaultUnpacker(payload, offset, length);
        this.payload = payload;
        this.offset = offset;
        this.length = length;
        this.base = 0;
        this.event = -1;
        this.field = null;
        try {
            VllmEventBatch batch = readBatch();
            if (in.hasNext()) {
                throw fail(Reason.MALFORMED, ": " + remaining() + " trailing bytes after the batch");
            }
            return batch;
        } catch (MessageInsufficientBufferException e) {
            throw new VllmDecodeException(Reason.TRUNCATED, where() + ": the payload ends inside a value", e);
        } catch (MessagePackException e) {
            throw new VllmDecodeException(Reason.MALFORMED, where() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new VllmDecodeException(Reason.MALFORMED, where() + ": " + e, e);
        } finally {
            in = null;
            this.payload = null;
        }
    }

    private VllmEventBatch readBatch() throws IOException {
        MessageFormat format = next();
        if (format.getValueType() == ValueType.ARRAY) {
            int n = arrayHeader(Integer.MAX_VALUE);
            if (n < 2) {
                throw fail(Reason.MISSING_FIELD, ": a batch is [ts, events, data_parallel_rank?], got " + n
                    + " elements");
            }
            field = "ts";
            double ts = readTs();
            field = "events";
            List<VllmEvent> events = readEvents();
            Integer rank = null;
            if (n >= 3) {
                field = "data_parallel_rank";
                rank = readOptionalInt(0);
            }
            field = null;
            skip(n - 3);
            return new VllmEventBatch(ts, events, rank);
        }
        if (format.getValueType() == ValueType.MAP) {
            int n = mapHeader();
            Double ts = null;
            List<VllmEvent> events = null;
            Integer rank = null;
            for (int i = 0; i < n; i++) {
                field = null;
                String key = readKey();
                field = key;
                switch (key) {
                    case "ts" -> ts = readTs();
                    case "events" -> events = readEvents();
                    case "data_parallel_rank" -> rank = readOptionalInt(0);
                    default -> in.skipValue();
                }
            }
            field = null;
            if (ts == null || events == null) {
                throw fail(Reason.MISSING_FIELD, ": a batch map needs 'ts' and 'events'");
            }
            return new VllmEventBatch(ts, events, rank);
        }
        throw fail(Reason.WRONG_TYPE, ": expected the batch as an array or a map, got " + format.getValueType());
    }

    private double readTs() throws IOException {
        ValueType type = next().getValueType();
        if (type == ValueType.FLOAT) {
            return in.unpackDouble();
        }
        if (type == ValueType.INTEGER) {
            return readLong();
        }
        throw fail(Reason.WRONG_TYPE, ": expected a number, got " + type);
    }

    private List<VllmEvent> readEvents() throws IOException {
        requireType(ValueType.ARRAY, "an array of events");
        int n = arrayHeader(limits.maxEvents());
        List<VllmEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            event = i;
            field = null;
            events.add(readEventOrReject());
        }
        event = -1;
        field = null;
        return events;
    }

    /**
     * Reads one event; when it breaks a rule but its msgpack value is whole, skips the rest of it and returns a
     * {@link VllmEvent.Rejected}. A value whose end cannot be found fails the batch with the original fault.
     */
    private VllmEvent readEventOrReject() throws IOException {
        int start = position();
        try {
            return readEvent();
        } catch (VllmDecodeException | MessagePackException e) {
            String at = where();
            if (!resumeAfterValueAt(start)) {
                throw e;
            }
            if (e instanceof VllmDecodeException d) {
                return new VllmEvent.Rejected(tag == null ? "" : tag, d.reason(), d.getMessage());
            }
            return new VllmEvent.Rejected(tag == null ? "" : tag, Reason.MALFORMED, Reason.MALFORMED + ": " + at
                + ": " + e.getMessage());
        }
    }

    /**
     * Points the unpacker just past the msgpack value that starts at {@code start}; {@code false}, the unpacker left
     * as it was, when that value is not whole.
     */
    private boolean resumeAfterValueAt(int start) {
        MessageUnpacker resumed = MessagePack.newDefaultUnpacker(payload, offset + start, length - start);
        try {
            resumed.skipValue();
        } catch (IOException | MessagePackException e) {
            return false;
        }
        in = resumed;
        base = start;
        field = null;
        return true;
    }

    private VllmEvent readEvent() throws IOException {
        MessageFormat format = next();
        fields.reset();
        tag = null;
        if (format.getValueType() == ValueType.ARRAY) {
            int n = arrayHeader(Integer.MAX_VALUE);
            if (n == 0) {
                throw fail(Reason.MISSING_FIELD, ": an array event starts with its tag, got an empty array");
            }
            field = VllmWire.TAG_FIELD;
            tag = readTag();
            String[] names = switch (tag) {
                case VllmWire.BLOCK_STORED -> BLOCK_STORED_FIELDS;
                case VllmWire.BLOCK_REMOVED -> BLOCK_REMOVED_FIELDS;
                default -> new String[0];
            };
            for (int i = 1; i < n; i++) {
                if (i - 1 < names.length) {
                    field = names[i - 1];
                    readField(field);
                } else {
                    in.skipValue();
                }
            }
            field = null;
            return build(tag);
        }
        if (format.getValueType() == ValueType.MAP) {
            int n = mapHeader();
            for (int i = 0; i < n; i++) {
                field = null;
                String key = readKey();
                field = key;
                if (VllmWire.TAG_FIELD.equals(key)) {
                    tag = readTag();
                } else if (tag != null && !isKnown(tag)) {
                    in.skipValue();
                } else {
                    readField(key);
                }
            }
            field = null;
            if (tag == null) {
                throw fail(Reason.MISSING_FIELD, ": a map event has no '" + VllmWire.TAG_FIELD + "' key");
            }
            return build(tag);
        }
        throw fail(Reason.WRONG_TYPE, ": expected an event as an array or a map, got " + format.getValueType());
    }

    private static boolean isKnown(String tag) {
        return tag.equals(VllmWire.BLOCK_STORED) || tag.equals(VllmWire.BLOCK_REMOVED)
            || tag.equals(VllmWire.ALL_BLOCKS_CLEARED);
    }

    private String readTag() throws IOException {
        ValueType type = next().getValueType();
        if (type != ValueType.STRING) {
            throw fail(Reason.WRONG_TYPE, ": expected the event tag as a string, got " + type);
        }
        return readString();
    }

    private void readField(String name) throws IOException {
        Fields f = fields;
        switch (name) {
            case "block_hashes" -> f.blockHashes = readHashes();
            case "parent_block_hash" -> f.parent = readOptionalHash();
            case "token_ids" -> f.tokenIds = readTokenIds();
            case "block_size" -> {
                f.blockSize = readInt(0);
                f.hasBlockSize = true;
            }
            case "lora_id" -> f.loraId = readOptionalInt(Integer.MIN_VALUE);
            case "medium" -> f.medium = readOptionalString();
            case "lora_name" -> f.loraName = readOptionalString();
            case "extra_keys" -> f.extraKeys = readExtraKeys();
            case "group_idx" -> f.groupIdx = readOptionalInt(0);
            case "kv_cache_spec_kind" -> f.kvCacheSpecKind = readOptionalString();
            case "kv_cache_spec_sliding_window" -> f.slidingWindow = readOptionalInt(0);
            case "locality" -> f.locality = readOptionalString();
            case "ownership" -> f.ownership = readOptionalString();
            case "session_id" -> f.sessionId = readOptionalString();
            case "lookahead_token_ids" -> f.lookahead = readLookahead();
            default -> in.skipValue();
        }
    }

    private VllmEvent build(String tag) {
        Fields f = fields;
        switch (tag) {
            case VllmWire.BLOCK_STORED -> {
                requirePresent(f.blockHashes != null, tag, "block_hashes");
                requirePresent(f.tokenIds != null, tag, "token_ids");
                requirePresent(f.hasBlockSize, tag, "block_size");
                if (f.blockSize == 0 && f.tokenIds.length > 0) {
                    field = "block_size";
                    throw fail(Reason.BAD_VALUE, ": 0 with " + f.tokenIds.length + " token ids (0 is for an event "
                        + "without token ids)");
                }
                if (f.extraKeys != null && f.extraKeys.size() != f.blockHashes.size()) {
                    field = "extra_keys";
                    throw fail(Reason.BAD_VALUE, ": one entry per block expected, got " + f.extraKeys.size()
                        + " for " + f.blockHashes.size() + " blocks");
                }
                return new VllmEvent.BlockStored(f.blockHashes, f.parent, f.tokenIds, f.blockSize, f.loraId,
                    f.medium, f.loraName, f.extraKeys, f.groupIdx, f.kvCacheSpecKind, f.slidingWindow, f.locality,
                    f.ownership, f.sessionId, f.lookahead);
            }
            case VllmWire.BLOCK_REMOVED -> {
                requirePresent(f.blockHashes != null, tag, "block_hashes");
                return new VllmEvent.BlockRemoved(f.blockHashes, f.medium, f.groupIdx, f.locality, f.ownership);
            }
            case VllmWire.ALL_BLOCKS_CLEARED -> {
                return new VllmEvent.AllBlocksCleared();
            }
            default -> {
                return new VllmEvent.Unknown(tag);
            }
        }
    }

    private void requirePresent(boolean present, String tag, String name) {
        if (!present) {
            throw fail(Reason.MISSING_FIELD, ": " + tag + " has no '" + name + "'");
        }
    }

    private List<EngineBlockHash> readHashes() throws IOException {
        requireType(ValueType.ARRAY, "an array of block hashes");
        int n = arrayHeader(limits.maxBlocksPerEvent());
        List<EngineBlockHash> hashes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            hashes.add(readHash("[" + i + "]"));
        }
        return hashes;
    }

    private EngineBlockHash readOptionalHash() throws IOException {
        if (next().getValueType() == ValueType.NIL) {
            in.unpackNil();
            return null;
        }
        return readHash("");
    }

    private EngineBlockHash readHash(String at) throws IOException {
        ValueType type = next().getValueType();
        if (type == ValueType.INTEGER) {
            return EngineBlockHash.ofLong(readLong());
        }
        if (type == ValueType.BINARY) {
            int n = in.unpackBinaryHeader();
            if (n == 0) {
                throw fail(Reason.BAD_VALUE, at + ": a bytes block hash is empty");
            }
            if (n > EngineBlockHash.MAX_BYTES) {
                throw fail(Reason.TOO_LARGE, at + ": a bytes block hash of " + n + " bytes, over "
                    + EngineBlockHash.MAX_BYTES);
            }
            requireBytes(n);
            return EngineBlockHash.wrap(in.readPayload(n));
        }
        throw fail(Reason.WRONG_TYPE, at + ": expected an int or bytes block hash, got " + type);
    }

    private int[] readTokenIds() throws IOException {
        requireType(ValueType.ARRAY, "an array of token ids");
        return readTokenArray(arrayHeader(limits.maxTokensPerEvent()), "");
    }

    /** {@code n} token ids, the array header read; {@code at} prefixes the index in a fault's place. */
    private int[] readTokenArray(int n, String at) throws IOException {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            ValueType type = next().getValueType();
            if (type != ValueType.INTEGER) {
                throw fail(Reason.WRONG_TYPE, at + "[" + i + "]: expected an int token id, got " + type);
            }
            boolean unsigned64 = in.getNextFormat() == MessageFormat.UINT64;
            long v = readLong();
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw fail(Reason.BAD_VALUE, at + "[" + i + "]: token id "
                    + (unsigned64 ? Long.toUnsignedString(v) : Long.toString(v)) + " out of range [0, 2^32)");
            }
            tokens[i] = (int) v; // an unsigned 32-bit id, kept as its bits: keys hash it as u32
        }
        return tokens;
    }

    /**
     * {@code lookahead_token_ids}: nil, or one token list per block (vLLM does not hold every event to that count, so
     * neither does this); at most {@code maxBlocksPerEvent} lists and {@code maxTokensPerEvent} tokens in all.
     */
    private int[][] readLookahead() throws IOException {
        if (!arrayOrNil("an array of token-id lists")) {
            return null;
        }
        int n = arrayHeader(limits.maxBlocksPerEvent());
        int[][] lists = new int[n][];
        long total = 0;
        for (int i = 0; i < n; i++) {
            if (next().getValueType() != ValueType.ARRAY) {
                throw fail(Reason.WRONG_TYPE, "[" + i + "]: expected an array of token ids, got "
                    + next().getValueType());
            }
            int m = arrayHeader(limits.maxTokensPerEvent());
            total += m;
            if (total > limits.maxTokensPerEvent()) {
                throw fail(Reason.TOO_LARGE, ": " + total + " token ids, over the limit of "
                    + limits.maxTokensPerEvent());
            }
            lists[i] = readTokenArray(m, "[" + i + "]");
        }
        return lists;
    }

    private List<List<VllmExtraKey>> readExtraKeys() throws IOException {
        if (!arrayOrNil("an array of per-block extra keys")) {
            return null;
        }
        int n = arrayHeader(limits.maxBlocksPerEvent());
        List<List<VllmExtraKey>> blocks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ValueType t = next().getValueType();
            if (t == ValueType.NIL) {
                in.unpackNil();
                blocks.add(null);
            } else if (t == ValueType.ARRAY) {
                int m = arrayHeader(limits.maxExtraKeysPerBlock());
                List<VllmExtraKey> items = new ArrayList<>(m);
                for (int j = 0; j < m; j++) {
                    items.add(readExtraKey("[" + i + "][" + j + "]"));
                }
                blocks.add(Collections.unmodifiableList(items));
            } else {
                throw fail(Reason.WRONG_TYPE, "[" + i + "]: expected a block's extra keys as an array or nil, got "
                    + t);
            }
        }
        return blocks;
    }

    private VllmExtraKey readExtraKey(String at) throws IOException {
        ValueType type = next().getValueType();
        switch (type) {
            case STRING -> {
                return new VllmExtraKey.Text(readString());
            }
            case BINARY -> {
                int n = in.unpackBinaryHeader();
                if (n > limits.maxStringBytes()) {
                    throw fail(Reason.TOO_LARGE, at + ": " + n + " bytes, over the limit of "
                        + limits.maxStringBytes());
                }
                requireBytes(n);
                return new VllmExtraKey.Binary(HexFormat.of().formatHex(in.readPayload(n)));
            }
            case ARRAY -> {
                int n = arrayHeader(limits.maxExtraKeysPerBlock());
                if (n == 2 && next().getValueType() == ValueType.STRING) {
                    String identifier = readString();
                    if (next().getValueType() == ValueType.INTEGER) {
                        return new VllmExtraKey.Multimodal(identifier, readLong());
                    }
                    in.skipValue();
                    return new VllmExtraKey.Other("array[2]");
                }
                skip(n);
                return new VllmExtraKey.Other("array[" + n + "]");
            }
            default -> {
                in.skipValue();
                return new VllmExtraKey.Other(type.name().toLowerCase(Locale.ROOT));
            }
        }
    }

    /** {@code true} when an array comes next; {@code false}, the nil read, when a nil does; else WRONG_TYPE. */
    private boolean arrayOrNil(String what) throws IOException {
        ValueType type = next().getValueType();
        if (type == ValueType.NIL) {
            in.unpackNil();
            return false;
        }
        if (type != ValueType.ARRAY) {
            throw fail(Reason.WRONG_TYPE, ": expected " + what + " or nil, got " + type);
        }
        return true;
    }

    private String readOptionalString() throws IOException {
        ValueType type = next().getValueType();
        if (type == ValueType.NIL) {
            in.unpackNil();
            return null;
        }
        if (type != ValueType.STRING) {
            throw fail(Reason.WRONG_TYPE, ": expected a string or nil, got " + type);
        }
        return readString();
    }

    private Integer readOptionalInt(int min) throws IOException {
        if (next().getValueType() == ValueType.NIL) {
            in.unpackNil();
            return null;
        }
        return readInt(min);
    }

    private int readInt(int min) throws IOException {
        ValueType type = next().getValueType();
        if (type != ValueType.INTEGER) {
            throw fail(Reason.WRONG_TYPE, ": expected an int, got " + type);
        }
        boolean unsigned64 = in.getNextFormat() == MessageFormat.UINT64;
        long v = readLong();
        if (unsigned64 && v < 0 || v < min || v > Integer.MAX_VALUE) {
            throw fail(Reason.BAD_VALUE, ": " + (unsigned64 && v < 0 ? Long.toUnsignedString(v) : v)
                + " out of range [" + min + ", " + Integer.MAX_VALUE + "]");
        }
        return (int) v;
    }

    /** An int of any msgpack width; a uint64 above {@link Long#MAX_VALUE} comes back as its two's complement. */
    private long readLong() throws IOException {
        if (in.getNextFormat() == MessageFormat.UINT64) {
            return in.unpackBigInteger().longValue();
        }
        return in.unpackLong();
    }

    private String readKey() throws IOException {
        ValueType type = next().getValueType();
        if (type != ValueType.STRING) {
            throw fail(Reason.WRONG_TYPE, ": expected a string map key, got " + type);
        }
        return readString();
    }

    private String readString() throws IOException {
        int n = in.unpackRawStringHeader();
        if (n > limits.maxStringBytes()) {
            throw fail(Reason.TOO_LARGE, ": a string of " + n + " bytes, over the limit of " + limits.maxStringBytes());
        }
        requireBytes(n);
        byte[] bytes = in.readPayload(n);
        try {
            return utf8.reset().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new VllmDecodeException(Reason.MALFORMED, where() + ": a string that is not UTF-8", e);
        }
    }

    private void requireType(ValueType expected, String what) throws IOException {
        ValueType type = next().getValueType();
        if (type != expected) {
            throw fail(Reason.WRONG_TYPE, ": expected " + what + ", got " + type);
        }
    }

    /** The next value's format; fails on the end of input and on the unused byte 0xc1. */
    private MessageFormat next() throws IOException {
        if (!in.hasNext()) {
            throw fail(Reason.TRUNCATED, ": the payload ends where a value is expected");
        }
        MessageFormat format = in.getNextFormat();
        if (format == MessageFormat.NEVER_USED) {
            throw fail(Reason.MALFORMED, ": byte 0xc1 is not msgpack");
        }
        return format;
    }

    /** An array header whose count is within {@code max} and could fit in the bytes left (one byte per element). */
    private int arrayHeader(int max) throws IOException {
        int n = in.unpackArrayHeader();
        if (n > max) {
            throw fail(Reason.TOO_LARGE, ": an array of " + n + " elements, over the limit of " + max);
        }
        if (n > remaining()) {
            throw fail(Reason.TRUNCATED, ": an array of " + n + " elements with " + remaining() + " bytes left");
        }
        return n;
    }

    private int mapHeader() throws IOException {
        int n = in.unpackMapHeader();
        if (n > MAX_MAP_ENTRIES) {
            throw fail(Reason.TOO_LARGE, ": a map of " + n + " entries, over the limit of " + MAX_MAP_ENTRIES);
        }
        if (n > remaining() / 2) {
            throw fail(Reason.TRUNCATED, ": a map of " + n + " entries with " + remaining() + " bytes left");
        }
        return n;
    }

    private void requireBytes(int n) {
        if (n > remaining()) {
            throw fail(Reason.TRUNCATED, ": " + n + " bytes expected, " + remaining() + " left");
        }
    }

    private void skip(int values) throws IOException {
        for (int i = 0; i < values; i++) {
            in.skipValue();
        }
    }

    private int remaining() {
        return length - position();
    }

    /** Bytes of the payload read so far. */
    private int position() {
        return base + (int) in.getTotalReadBytes();
    }

    private VllmDecodeException fail(Reason reason, String detail) {
        return new VllmDecodeException(reason, where() + detail);
    }

    private String where() {
        StringBuilder sb = new StringBuilder();
        if (event >= 0) {
            sb.append("events[").append(event).append(']');
        } else if (field == null) {
            sb.append("batch");
        }
        if (field != null) {
            sb.append(sb.length() == 0 ? "" : ".").append(field);
        }
        return sb.toString();
    }

    /** The fields of the event being read. */
    private static final class Fields {
        List<EngineBlockHash> blockHashes;
        EngineBlockHash parent;
        int[] tokenIds;
        int blockSize;
        boolean hasBlockSize;
        Integer loraId;
        String medium;
        String loraName;
        List<List<VllmExtraKey>> extraKeys;
        Integer groupIdx;
        String kvCacheSpecKind;
        Integer slidingWindow;
        String locality;
        String ownership;
        String sessionId;
        int[][] lookahead;

        void reset() {
            blockHashes = null;
            parent = null;
            tokenIds = null;
            blockSize = 0;
            hasBlockSize = false;
            loraId = null;
            medium = null;
            loraName = null;
            extraKeys = null;
            groupIdx = null;
            kvCacheSpecKind = null;
            slidingWindow = null;
            locality = null;
            ownership = null;
            sessionId = null;
            lookahead = null;
        }
    }
}
