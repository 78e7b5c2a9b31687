package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.tier.TierKind;
import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ResponseListener} that holds a {@link ResponseDecoder} to what {@link ResponseListener} documents,
 * whatever a server sends: callbacks in wire order, indexes in sequence, counts within the limits, a hit's bytes
 * handed over once and exactly its length, a miss with no tier and no bytes, an entry's verdict its miss status or,
 * for a hit, {@code OK} or {@code CHECKSUM_MISMATCH}, a topology version that is not negative and comes before the
 * end, a request-level error only between frames and never with {@code OK}, a fatal error only with a code that
 * breaks a stream and a message, and nothing after it. Allocates nothing per callback. Whether a response is
 * wanted follows the request id's low bit, so the skipping paths are reached too.
 */
final class ResponseContract implements ResponseListener {
    /** The codes {@link ResponseListener#onProtocolError} may carry. */
    static final Set<ErrorCode> FATAL = EnumSet.of(ErrorCode.BAD_MAGIC, ErrorCode.UNSUPPORTED_VERSION,
        ErrorCode.FRAME_TOO_LARGE, ErrorCode.MALFORMED_FRAME, ErrorCode.UNKNOWN_OP);

    private static final int IDLE = 0;
    private static final int PUT = 1;
    private static final int GET = 2;
    private static final int LOOKUP = 3;
    private static final int FAILED = 4;

    private final ProtocolLimits limits;
    private int state = IDLE;
    private int requestId;
    private int count;
    private int next;
    private boolean inEntry;
    private boolean hit;
    private int entryLength;
    private int entryReceived;
    private boolean versioned;
    int responsesEnded;
    int errors;
    int protocolErrors;

    ResponseContract(ProtocolLimits limits) {
        this.limits = limits;
    }

    boolean failed() {
        return state == FAILED;
    }

    @Override
    public boolean onPutResponse(int requestId, int count) {
        return start(PUT, requestId, count, "onPutResponse");
    }

    @Override
    public void onPutStatus(int index, ErrorCode status) {
        if (state != PUT || index != next) {
            throw broke("onPutStatus " + index + " after " + next + " of " + count);
        }
        next++;
    }

    @Override
    public boolean onGetResponse(int requestId, int count) {
        return start(GET, requestId, count, "onGetResponse");
    }

    @Override
    public void onGetEntry(int index, ErrorCode status, @Nullable TierKind tier, int length) {
        if (state != GET || inEntry || index != next) {
            throw broke("onGetEntry " + index + " after " + next + " of " + count);
        }
        hit = status == ErrorCode.OK;
        if (hit ? tier == null || length < 0 : tier != null || length != 0) {
            throw broke("entry " + index + ": status " + status + ", tier " + tier + ", " + length + " bytes");
        }
        inEntry = true;
        entryLength = length;
        entryReceived = 0;
    }

    @Override
    public void onGetBytes(ByteBuf buffer, int index, int length) {
        if (state != GET || !inEntry || !hit) {
            throw broke("onGetBytes outside a hit");
        }
        if (length <= 0 || index < 0 || index + length > buffer.writerIndex()) {
            throw broke("bytes [" + index + ", " + index + "+" + length + ") outside the read");
        }
        if (entryReceived + length > entryLength) {
            throw broke("more bytes than the entry's length " + entryLength);
        }
        entryReceived += length;
    }

    @Override
    public void onGetEntryEnd(int index, ErrorCode verdict) {
        if (state != GET || !inEntry || index != next || entryReceived != entryLength) {
            throw broke("onGetEntryEnd " + index + " after " + entryReceived + " of " + entryLength + " bytes");
        }
        if (hit ? verdict != ErrorCode.OK && verdict != ErrorCode.CHECKSUM_MISMATCH : verdict == ErrorCode.OK) {
            throw broke("entry " + index + " ended with " + verdict + (hit ? " for a hit" : " for a miss"));
        }
        inEntry = false;
        next++;
    }

    @Override
    public boolean onLookupResponse(int requestId, int prefixLength, int tierCount) {
        if (prefixLength < 0 || tierCount > 0xFF) {
            throw broke("lookup of prefix " + prefixLength + " over " + tierCount + " tiers");
        }
        if (state != IDLE) {
            throw broke("onLookupResponse in the middle of a response");
        }
        this.requestId = requestId;
        this.count = tierCount;
        this.next = 0;
        this.versioned = false;
        state = LOOKUP;
        return wanted(requestId);
    }

    @Override
    public void onLookupTier(TierKind tier, int longestRun, int blocksInPrefix) {
        if (state != LOOKUP || next >= count) {
            throw broke("onLookupTier after " + next + " of " + count);
        }
        next++;
    }

    @Override
    public void onTopologyVersion(int requestId, long topologyVersion) {
        if ((state != PUT && state != GET) || versioned || next != count || requestId != this.requestId) {
            throw broke("topology version before the body's end or twice");
        }
        if (topologyVersion < 0) {
            throw broke("negative topology version " + topologyVersion);
        }
        versioned = true;
    }

    @Override
    public void onResponseEnd(OpCode op, int requestId) {
        if (op == OpCode.PING || op == OpCode.AUTH) {
            if (state != IDLE) {
                throw broke(op + " response in the middle of a response");
            }
        } else {
            int due = op == OpCode.PUT_BATCH ? PUT : op == OpCode.GET_BATCH ? GET : LOOKUP;
            if (state != due || requestId != this.requestId || next != count || inEntry) {
                throw broke("end of a " + op + " after " + next + " of " + count);
            }
        }
        state = IDLE;
        responsesEnded++;
    }

    @Override
    public void onError(int opCode, int requestId, ErrorCode status, String message) {
        if (state != IDLE || status == ErrorCode.OK || message == null) {
            throw broke("error " + status + " in the middle of a response");
        }
        errors++;
    }

    @Override
    public void onProtocolError(ErrorCode code, String message) {
        if (state == FAILED || !FATAL.contains(code) || message == null || message.isEmpty()) {
            throw broke("protocol error " + code + " '" + message + "' (a second one, or not a fatal code)");
        }
        state = FAILED;
        protocolErrors++;
    }

    private boolean start(int kind, int requestId, int count, String callback) {
        if (state != IDLE) {
            throw broke(callback + " in the middle of a response or after a protocol error");
        }
        if (count < 1 || count > limits.maxBlocksPerRequest()) {
            throw broke(callback + " count " + count + " outside the limit");
        }
        this.requestId = requestId;
        this.count = count;
        this.next = 0;
        this.inEntry = false;
        this.versioned = false;
        state = kind;
        return wanted(requestId);
    }

    /** An unwanted response is skipped whole: the decoder reports nothing more of it. */
    private boolean wanted(int requestId) {
        boolean want = (requestId & 1) == 0;
        if (!want) {
            state = IDLE;
        }
        return want;
    }

    /** Builds the message only on a violation, so a kept contract allocates nothing. */
    private static AssertionError broke(String what) {
        return new AssertionError("ResponseDecoder broke its contract: " + what);
    }
}
