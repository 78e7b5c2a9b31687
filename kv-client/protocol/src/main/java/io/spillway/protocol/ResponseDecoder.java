package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.tier.TierKind;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Streaming decoder of response frames, fed with buffers as they arrive ({@link #decode(ByteBuf)}). A GET_BATCH
 * response's block bytes are passed on in the chunks they arrived in, so the client copies them straight into the
 * caller's buffers; the decoder verifies each block's CRC32C on the way. One instance per connection; not
 * thread-safe.
 */
public final class ResponseDecoder {
    private static final int HEADER = 0;
    private static final int ERROR_BODY = 1;
    private static final int COUNT = 2;
    private static final int PUT_STATUS = 3;
    private static final int ENTRY_HEADER = 4;
    private static final int ENTRY_BYTES = 5;
    private static final int LOOKUP_HEAD = 6;
    private static final int LOOKUP_TIER = 7;
    private static final int SKIP = 8;
    private static final int FAILED = 9;
    private static final int TRAILER = 10;
    private static final TierKind[] TIERS = TierKind.values();

    private final ProtocolLimits limits;
    private final ResponseListener listener;
    private final FrameHeader header = new FrameHeader();
    private final ByteGatherer gatherer = new ByteGatherer(64);
    private final CRC32C crc = new CRC32C();

    private int state = HEADER;
    private @Nullable OpCode op;
    private int opCode;
    private int requestId;
    private @Nullable ErrorCode status;
    private long bodyRemaining;
    private int count;
    private int index;
    private int entryRemaining;
    private int entryCrc;
    private boolean trailerPending;

    public ResponseDecoder(ProtocolLimits limits, ResponseListener listener) {
        this.limits = limits;
        this.listener = listener;
    }

    /** Consumes all of {@code in}'s readable bytes (the caller still owns and releases it). */
    public void decode(ByteBuf in) {
        while (in.isReadable()) {
            switch (state) {
                case HEADER -> readHeader(in);
                case ERROR_BODY -> readError(in);
                case COUNT -> readCount(in);
                case PUT_STATUS -> readPutStatus(in);
                case ENTRY_HEADER -> readEntryHeader(in);
                case ENTRY_BYTES -> readEntryBytes(in);
                case LOOKUP_HEAD -> readLookupHead(in);
                case LOOKUP_TIER -> readLookupTier(in);
                case SKIP -> skip(in);
                case TRAILER -> readTrailer(in);
                default -> in.skipBytes(in.readableBytes());
            }
        }
    }

    public boolean isFailed() {
        return state == FAILED;
    }

    private void readHeader(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, FrameHeader.LENGTH);
        if (src == null) {
            return;
        }
        header.wrap(src, src.readerIndex());
        opCode = header.opCode();
        op = header.op();
        requestId = header.requestId();
        status = header.status();
        bodyRemaining = header.bodyLength();
        ErrorCode verdict = header.validate(limits);
        String problem = verdict == ErrorCode.OK || verdict == ErrorCode.UNKNOWN_OP ? null
            : header.explain(verdict, limits);
        if (problem == null && !header.isResponse()) {
            verdict = ErrorCode.MALFORMED_FRAME;
            problem = "response flag not set on a response";
        } else if (problem == null && status == null) {
            verdict = ErrorCode.MALFORMED_FRAME;
            problem = "unknown status " + header.statusCode();
        } else if (problem == null && status == ErrorCode.OK && op == null) {
            problem = header.explain(ErrorCode.UNKNOWN_OP, limits);
        }
        src.skipBytes(FrameHeader.LENGTH);
        gatherer.reset();
        if (problem != null) {
            fail(verdict, problem);
        } else if (status != ErrorCode.OK) {
            startError();
        } else {
            startBody();
        }
    }

    private void startError() {
        long max = BodyLayout.ERROR_MESSAGE_LENGTH_LENGTH + BodyLayout.MAX_ERROR_MESSAGE_BYTES;
        if (bodyRemaining < BodyLayout.ERROR_MESSAGE_LENGTH_LENGTH || bodyRemaining > max) {
            fail(ErrorCode.MALFORMED_FRAME, "error body of " + bodyRemaining + " bytes, expected 2 to " + max);
            return;
        }
        state = ERROR_BODY;
    }

    private void readError(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, (int) bodyRemaining);
        if (src == null) {
            return;
        }
        int length = src.readUnsignedShortLE();
        if (length != bodyRemaining - BodyLayout.ERROR_MESSAGE_LENGTH_LENGTH) {
            gatherer.reset();
            fail(ErrorCode.MALFORMED_FRAME, "error message length " + length + " does not match its body of "
                + bodyRemaining + " bytes");
            return;
        }
        String message = src.readCharSequence(length, StandardCharsets.UTF_8).toString();
        gatherer.reset();
        bodyRemaining = 0;
        state = HEADER;
        listener.onError(opCode, requestId, Objects.requireNonNull(status, "status"), message);
    }

    private void startBody() {
        trailerPending = (header.flags() & FrameHeader.FLAG_TOPOLOGY) != 0;
        if (trailerPending) {
            if (op != OpCode.PUT_BATCH && op != OpCode.GET_BATCH) {
                fail(ErrorCode.MALFORMED_FRAME, "topology flag set on a " + op + " response");
                return;
            }
            if (bodyRemaining < FrameHeader.TOPOLOGY_TRAILER_LENGTH) {
                fail(ErrorCode.MALFORMED_FRAME, op + " response of " + bodyRemaining
                    + " bytes has no room for its topology trailer");
                return;
            }
            bodyRemaining -= FrameHeader.TOPOLOGY_TRAILER_LENGTH;
        }
        switch (op()) {
            case PING, AUTH -> {
                if (bodyRemaining != 0) {
                    fail(ErrorCode.MALFORMED_FRAME, op + " response body must be empty, got " + bodyRemaining);
                } else {
                    listener.onResponseEnd(op(), requestId);
                }
            }
            case LOOKUP_PREFIX -> state = LOOKUP_HEAD;
            default -> state = COUNT;
        }
        if (state != HEADER && bodyRemaining == 0) {
            fail(ErrorCode.MALFORMED_FRAME, op + " response has an empty body");
        }
    }

    private void readCount(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.COUNT_LENGTH);
        if (src == null) {
            return;
        }
        int n = src.readIntLE();
        gatherer.reset();
        bodyRemaining -= BodyLayout.COUNT_LENGTH;
        if (n <= 0 || n > limits.maxBlocksPerRequest()) {
            fail(ErrorCode.MALFORMED_FRAME, op + " response count " + Integer.toUnsignedString(n)
                + " outside [1, " + limits.maxBlocksPerRequest() + "]");
            return;
        }
        long fixed = (long) (op == OpCode.PUT_BATCH ? BodyLayout.STATUS_LENGTH : BodyLayout.ENTRY_HEADER_LENGTH) * n;
        if (op == OpCode.PUT_BATCH ? fixed != bodyRemaining : fixed > bodyRemaining) {
            fail(ErrorCode.MALFORMED_FRAME, op + " response of " + n + " entries needs "
                + (op == OpCode.PUT_BATCH ? "" : "at least ") + fixed + " bytes after the count, has "
                + bodyRemaining);
            return;
        }
        count = n;
        index = 0;
        state = op == OpCode.PUT_BATCH ? PUT_STATUS : ENTRY_HEADER;
        boolean wanted = op == OpCode.PUT_BATCH ? listener.onPutResponse(requestId, n)
            : listener.onGetResponse(requestId, n);
        if (!wanted) {
            startSkip();
        }
    }

    private void readPutStatus(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.STATUS_LENGTH);
        if (src == null) {
            return;
        }
        int code = src.readUnsignedShortLE();
        gatherer.reset();
        bodyRemaining -= BodyLayout.STATUS_LENGTH;
        ErrorCode s = ErrorCode.fromCode(code);
        if (s == null) {
            fail(ErrorCode.MALFORMED_FRAME, "unknown status " + code + " for block " + index);
            return;
        }
        int at = index++;
        boolean last = index == count;
        if (last) {
            state = trailerPending ? TRAILER : HEADER;
        }
        listener.onPutStatus(at, s);
        if (last && !trailerPending) {
            listener.onResponseEnd(op(), requestId);
        }
    }

    private void readEntryHeader(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.ENTRY_HEADER_LENGTH);
        if (src == null) {
            return;
        }
        int code = src.readUnsignedShortLE();
        int tier = src.readUnsignedByte();
        src.skipBytes(1);
        long length = src.readUnsignedIntLE();
        entryCrc = src.readIntLE();
        gatherer.reset();
        bodyRemaining -= BodyLayout.ENTRY_HEADER_LENGTH;
        ErrorCode s = ErrorCode.fromCode(code);
        long after = bodyRemaining - length - (long) BodyLayout.ENTRY_HEADER_LENGTH * (count - index - 1);
        if (s == null) {
            fail(ErrorCode.MALFORMED_FRAME, "GET_BATCH entry " + index + ": unknown status " + code);
            return;
        }
        String problem = s != ErrorCode.OK && length != 0 ? "miss with status " + s + " carries " + length + " bytes"
            : s == ErrorCode.OK && tier >= TIERS.length ? "unknown tier " + tier
            : after < 0 ? "length " + length + " runs past the body's end"
            : index == count - 1 && after > 0 ? after + " trailing bytes after the last entry" : null;
        if (problem != null) {
            fail(ErrorCode.MALFORMED_FRAME, "GET_BATCH entry " + index + ": " + problem);
            return;
        }
        entryRemaining = (int) length;
        state = ENTRY_BYTES;
        crc.reset();
        listener.onGetEntry(index, s, s == ErrorCode.OK ? TIERS[tier] : null, entryRemaining);
        if (entryRemaining == 0) {
            endEntry(s);
        }
    }

    private void readEntryBytes(ByteBuf in) {
        int n = Math.min(in.readableBytes(), entryRemaining);
        int at = in.readerIndex();
        Crc32c.update(crc, in, at, n);
        listener.onGetBytes(in, at, n);
        in.skipBytes(n);
        entryRemaining -= n;
        bodyRemaining -= n;
        if (entryRemaining == 0) {
            endEntry(ErrorCode.OK);
        }
    }

    private void endEntry(ErrorCode entryStatus) {
        ErrorCode verdict = entryStatus != ErrorCode.OK ? entryStatus
            : Crc32c.value(crc) == entryCrc ? ErrorCode.OK : ErrorCode.CHECKSUM_MISMATCH;
        int done = index++;
        boolean last = index == count;
        state = !last ? ENTRY_HEADER : trailerPending ? TRAILER : HEADER;
        listener.onGetEntryEnd(done, verdict);
        if (last && !trailerPending) {
            listener.onResponseEnd(op(), requestId);
        }
    }

    private void readTrailer(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, FrameHeader.TOPOLOGY_TRAILER_LENGTH);
        if (src == null) {
            return;
        }
        long version = src.readLongLE();
        gatherer.reset();
        trailerPending = false;
        state = HEADER;
        if (version < 0) {
            fail(ErrorCode.MALFORMED_FRAME, "topology version " + Long.toUnsignedString(version) + " out of range");
            return;
        }
        listener.onTopologyVersion(requestId, version);
        listener.onResponseEnd(op(), requestId);
    }

    private void readLookupHead(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.LOOKUP_HEAD_LENGTH);
        if (src == null) {
            return;
        }
        int prefixLength = src.readIntLE();
        int tiers = src.readUnsignedByte();
        gatherer.reset();
        bodyRemaining -= BodyLayout.LOOKUP_HEAD_LENGTH;
        if (bodyRemaining != (long) BodyLayout.LOOKUP_TIER_LENGTH * tiers || prefixLength < 0) {
            fail(ErrorCode.MALFORMED_FRAME, "LOOKUP_PREFIX response of " + tiers + " tiers (prefix "
                + Integer.toUnsignedString(prefixLength) + ") has " + bodyRemaining + " bytes after its head");
            return;
        }
        count = tiers;
        index = 0;
        state = tiers == 0 ? HEADER : LOOKUP_TIER;
        if (!listener.onLookupResponse(requestId, prefixLength, tiers)) {
            startSkip();
        } else if (tiers == 0) {
            listener.onResponseEnd(op(), requestId);
        }
    }

    private void readLookupTier(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.LOOKUP_TIER_LENGTH);
        if (src == null) {
            return;
        }
        int tier = src.readUnsignedByte();
        int run = src.readIntLE();
        int inPrefix = src.readIntLE();
        gatherer.reset();
        bodyRemaining -= BodyLayout.LOOKUP_TIER_LENGTH;
        if (tier >= TIERS.length) {
            fail(ErrorCode.MALFORMED_FRAME, "LOOKUP_PREFIX response names unknown tier " + tier);
            return;
        }
        boolean last = ++index == count;
        if (last) {
            state = HEADER;
        }
        listener.onLookupTier(TIERS[tier], run, inPrefix);
        if (last) {
            listener.onResponseEnd(op(), requestId);
        }
    }

    private void startSkip() {
        if (trailerPending) {
            bodyRemaining += FrameHeader.TOPOLOGY_TRAILER_LENGTH;
            trailerPending = false;
        }
        state = bodyRemaining == 0 ? HEADER : SKIP;
    }

    private void skip(ByteBuf in) {
        int n = (int) Math.min(in.readableBytes(), bodyRemaining);
        in.skipBytes(n);
        bodyRemaining -= n;
        if (bodyRemaining == 0) {
            state = HEADER;
        }
    }

    /** The frame's op: readHeader fails a frame whose op is unknown before any body state runs. */
    private OpCode op() {
        return Objects.requireNonNull(op, "op");
    }

    private void fail(ErrorCode code, String message) {
        state = FAILED;
        listener.onProtocolError(code, message);
    }
}
