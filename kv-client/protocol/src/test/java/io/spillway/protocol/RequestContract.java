package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import java.util.EnumSet;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * A {@link RequestListener} that holds a {@link RequestDecoder} to what {@link RequestListener} documents, whatever
 * the input: callbacks in wire order, indexes in sequence, counts and lengths within the limits, every byte of a
 * block handed over once, a block's verdict {@code OK} exactly when its bytes match the CRC32C the client sent
 * (computed here independently), a fatal error only with one of the five codes that break a stream and a message,
 * and nothing at all after it. Each violation is an {@link AssertionError}. Allocates nothing per callback.
 * Whether a start is accepted follows the request id's low bit, so the fuzzer reaches the skipping paths too.
 */
final class RequestContract implements RequestListener {
    /** The codes {@link RequestListener#onProtocolError} may carry. */
    static final Set<ErrorCode> FATAL = EnumSet.of(ErrorCode.BAD_MAGIC, ErrorCode.UNSUPPORTED_VERSION,
        ErrorCode.FRAME_TOO_LARGE, ErrorCode.MALFORMED_FRAME, ErrorCode.TOO_MANY_BLOCKS);

    private static final int IDLE = 0;
    private static final int PUT = 1;
    private static final int KEYS = 2;
    private static final int FAILED = 3;

    private final ProtocolLimits limits;
    private final CRC32C crc = new CRC32C();
    private int state = IDLE;
    private OpCode op = OpCode.PING;
    private int requestId;
    private int count;
    private int next;
    private boolean inBlock;
    private int blockLength;
    private int blockReceived;
    private int blockCrc;
    int requestsEnded;
    int pings;
    int unknownOps;
    int auths;
    int protocolErrors;

    RequestContract(ProtocolLimits limits) {
        this.limits = limits;
    }

    boolean failed() {
        return state == FAILED;
    }

    @Override
    public boolean onPutStart(int requestId, BlockKey namespace, int count) {
        expectIdle("onPutStart");
        requireCount(count);
        start(OpCode.PUT_BATCH, requestId, count);
        state = PUT;
        return accepted(requestId);
    }

    @Override
    public void onPutBlock(int index, BlockKey key, int length, int crc32c) {
        if (state != PUT || inBlock || index != next) {
            throw broke("onPutBlock " + index);
        }
        if (length < 0 || length > limits.maxBlockBytes()) {
            throw broke("block length " + length + " over the limit");
        }
        inBlock = true;
        blockLength = length;
        blockReceived = 0;
        blockCrc = crc32c;
        crc.reset();
    }

    @Override
    public void onPutBytes(ByteBuf buffer, int index, int length) {
        if (state != PUT || !inBlock) {
            throw broke("onPutBytes outside a block");
        }
        if (length <= 0 || index < 0 || index + length > buffer.writerIndex()) {
            throw broke("bytes [" + index + ", " + index + "+" + length + ") outside the read");
        }
        if (blockReceived + length > blockLength) {
            throw broke("more bytes than the block's length " + blockLength);
        }
        for (int i = index; i < index + length; i++) {
            crc.update(buffer.getByte(i));
        }
        blockReceived += length;
    }

    @Override
    public void onPutBlockEnd(int index, ErrorCode verdict) {
        if (state != PUT || index != next) {
            throw broke("onPutBlockEnd " + index);
        }
        if (inBlock) {
            if (blockReceived != blockLength) {
                throw broke("block ended after " + blockReceived + " of " + blockLength);
            }
            ErrorCode due = (int) crc.getValue() == blockCrc ? ErrorCode.OK : ErrorCode.CHECKSUM_MISMATCH;
            if (verdict != due) {
                throw broke("verdict " + verdict + ", the bytes say " + due);
            }
        } else {
            if (verdict != ErrorCode.BLOCK_TOO_LARGE) {
                throw broke("a block never announced ended with " + verdict);
            }
        }
        inBlock = false;
        next++;
    }

    @Override
    public boolean onKeysStart(OpCode op, int requestId, BlockKey namespace, int count) {
        expectIdle("onKeysStart");
        if (op != OpCode.GET_BATCH && op != OpCode.LOOKUP_PREFIX) {
            throw broke("keys start of a " + op);
        }
        requireCount(count);
        start(op, requestId, count);
        state = KEYS;
        return accepted(requestId);
    }

    @Override
    public void onKey(int index, BlockKey key) {
        if (state != KEYS || index != next) {
            throw broke("onKey " + index);
        }
        next++;
    }

    @Override
    public void onRequestEnd(OpCode op, int requestId) {
        if (state != PUT && state != KEYS) {
            throw broke("onRequestEnd outside a request");
        }
        if (op != this.op || requestId != this.requestId) {
            throw broke("end of " + op + " " + requestId + " in " + this.op);
        }
        if (next != count || inBlock) {
            throw broke("request ended after " + next + " of " + count);
        }
        state = IDLE;
        requestsEnded++;
    }

    @Override
    public void onPing(int requestId) {
        expectIdle("onPing");
        pings++;
    }

    @Override
    public void onAuth(int requestId, byte[] token) {
        expectIdle("onAuth");
        if (token == null || token.length < 1 || token.length > OpCode.MAX_AUTH_BYTES) {
            throw broke("AUTH token of " + (token == null ? "null" : token.length + " bytes") + " outside 1.."
                + OpCode.MAX_AUTH_BYTES);
        }
        auths++;
    }

    @Override
    public void onUnknownOp(int opCode, int requestId) {
        expectIdle("onUnknownOp");
        if (OpCode.fromCode(opCode) != null) {
            throw broke("op " + opCode + " is known");
        }
        unknownOps++;
    }

    @Override
    public void onProtocolError(int requestId, int opCode, ErrorCode code, String message) {
        if (state == FAILED) {
            throw broke("a second protocol error");
        }
        if (!FATAL.contains(code)) {
            throw broke("protocol error with code " + code);
        }
        if (message == null || message.isEmpty()) {
            throw broke("protocol error without a message");
        }
        state = FAILED;
        protocolErrors++;
    }

    /**
     * A rejected start: the decoder then skips the body and reports nothing more of that request, so the
     * contract goes back to idle with it.
     */
    private boolean accepted(int requestId) {
        boolean accept = (requestId & 1) == 0;
        if (!accept) {
            state = IDLE;
        }
        return accept;
    }

    private void start(OpCode op, int requestId, int count) {
        this.op = op;
        this.requestId = requestId;
        this.count = count;
        this.next = 0;
        this.inBlock = false;
    }

    private void requireCount(int count) {
        if (count < 1 || count > limits.maxBlocksPerRequest()) {
            throw broke("count " + count + " outside the limit");
        }
    }

    private void expectIdle(String callback) {
        if (state != IDLE) {
            throw broke(callback + " in the middle of a " + op + " or after a protocol error");
        }
    }

    /** Builds the message only on a violation, so a kept contract allocates nothing. */
    private static AssertionError broke(String what) {
        return new AssertionError("RequestDecoder broke its contract: " + what);
    }
}
