package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Streaming decoder of request frames, fed with buffers as they arrive ({@link #decode(ByteBuf)}); it never holds
 * more than a 20-byte field of the input, so a PUT_BATCH of any size flows through block by block with its bytes
 * passed on in the chunks they arrived in. Validates every length against the frame and the {@link ProtocolLimits}
 * and verifies each block's CRC32C. One instance per connection; not thread-safe.
 */
public final class RequestDecoder {
    private static final int HEADER = 0;
    private static final int PUT_PREAMBLE = 1;
    private static final int BLOCK_HEADER = 2;
    private static final int BLOCK_BYTES = 3;
    private static final int KEYS_PREAMBLE = 4;
    private static final int KEY = 5;
    private static final int SKIP = 6;
    private static final int FAILED = 7;
    private static final int AUTH_BODY = 8;

    private final ProtocolLimits limits;
    private final RequestListener listener;
    private final FrameHeader header = new FrameHeader();
    private final ByteGatherer gatherer = new ByteGatherer(FrameHeader.LENGTH + 8);
    private final CRC32C crc = new CRC32C();

    private int state = HEADER;
    @SuppressWarnings("NullAway.Init") // readHeader sets it before any body state
    private OpCode op;
    private int opCode;
    private int requestId;
    private int requestFlags;
    private long bodyRemaining;
    @SuppressWarnings("NullAway.Init") // readPreamble sets it before it is read
    private BlockKey preambleNamespace;
    private int preambleCount;
    private int count;
    private int index;
    private int blockRemaining;
    private int blockCrc;
    private boolean blockTooLarge;
    private byte[] auth = new byte[0];
    private int authFilled;

    public RequestDecoder(ProtocolLimits limits, RequestListener listener) {
        this.limits = limits;
        this.listener = listener;
    }

    /** Consumes all of {@code in}'s readable bytes (the caller still owns and releases it). */
    public void decode(ByteBuf in) {
        while (in.isReadable()) {
            switch (state) {
                case HEADER -> readHeader(in);
                case PUT_PREAMBLE -> readPutPreamble(in);
                case BLOCK_HEADER -> readBlockHeader(in);
                case BLOCK_BYTES -> readBlockBytes(in);
                case KEYS_PREAMBLE -> readKeysPreamble(in);
                case KEY -> readKey(in);
                case SKIP -> skip(in);
                case AUTH_BODY -> readAuth(in);
                default -> in.skipBytes(in.readableBytes());
            }
        }
    }

    /** True once a protocol error was reported; all later input is discarded. */
    public boolean isFailed() {
        return state == FAILED;
    }

    /** True between frames: a connection closed now loses no partial request. */
    public boolean isIdle() {
        return state == HEADER && gatherer.pending() == 0;
    }

    private void readHeader(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, FrameHeader.LENGTH);
        if (src == null) {
            return;
        }
        header.wrap(src, src.readerIndex());
        opCode = header.opCode();
        requestId = header.requestId();
        requestFlags = header.flags();
        bodyRemaining = header.bodyLength();
        ErrorCode verdict = header.validate(limits);
        String problem = verdict == ErrorCode.OK || verdict == ErrorCode.UNKNOWN_OP
            ? requestProblem() : header.explain(verdict, limits);
        src.skipBytes(FrameHeader.LENGTH);
        gatherer.reset();
        if (problem != null) {
            fail(verdict == ErrorCode.OK || verdict == ErrorCode.UNKNOWN_OP ? ErrorCode.MALFORMED_FRAME : verdict, problem);
        } else if (verdict == ErrorCode.UNKNOWN_OP) {
            startSkip();
            listener.onUnknownOp(opCode, requestId);
        } else {
            op = Objects.requireNonNull(OpCode.fromCode(opCode), "validate() passed an unknown op");
            startBody();
        }
    }

    private @Nullable String requestProblem() {
        if (header.isResponse()) {
            return "response flag set on a request";
        }
        int flags = requestFlags;
        if (flags == FrameHeader.FLAG_STAND_IN && (opCode == OpCode.PUT_BATCH.code()
            || opCode == OpCode.GET_BATCH.code())) {
            return null; // a stand-in request (docs/protocol.md, "Stand-in requests")
        }
        if (flags != 0) {
            return String.format("flags 0x%04x set on a request (must be 0; only PUT_BATCH and GET_BATCH may carry "
                + "the stand-in flag 0x%04x)", flags, FrameHeader.FLAG_STAND_IN);
        }
        if (header.statusCode() != 0) {
            return "status " + header.statusCode() + " set on a request (must be 0)";
        }
        return null;
    }

    private void startBody() {
        if (op == OpCode.PING) {
            if (bodyRemaining != 0) {
                fail(ErrorCode.MALFORMED_FRAME, "PING body must be empty, got " + bodyRemaining + " bytes");
                return;
            }
            listener.onPing(requestId);
            return;
        }
        if (op == OpCode.AUTH) {
            if (bodyRemaining < 1 || bodyRemaining > OpCode.MAX_AUTH_BYTES) {
                fail(ErrorCode.MALFORMED_FRAME, "AUTH body must hold a token of 1 to " + OpCode.MAX_AUTH_BYTES
                    + " bytes, got " + bodyRemaining);
                return;
            }
            auth = new byte[(int) bodyRemaining];
            authFilled = 0;
            state = AUTH_BODY;
            return;
        }
        if (bodyRemaining < BodyLayout.PREAMBLE_LENGTH) {
            fail(ErrorCode.MALFORMED_FRAME, op + " body of " + bodyRemaining + " bytes is shorter than its "
                + BodyLayout.PREAMBLE_LENGTH + "-byte namespace and count");
            return;
        }
        state = op == OpCode.PUT_BATCH ? PUT_PREAMBLE : KEYS_PREAMBLE;
        if (requestFlags != 0) {
            listener.onRequestFlags(requestId, requestFlags);
        }
    }

    /**
     * Reads the namespace-and-count preamble every batch op starts with into {@link #preambleNamespace} and
     * {@link #preambleCount}; false while it is incomplete or when the count is refused (the decoder then failed).
     */
    private boolean readPreamble(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.PREAMBLE_LENGTH);
        if (src == null) {
            return false;
        }
        preambleNamespace = BodyLayout.readKey(src);
        preambleCount = src.readIntLE();
        gatherer.reset();
        bodyRemaining -= BodyLayout.PREAMBLE_LENGTH;
        return checkCount(preambleCount);
    }

    private void readPutPreamble(ByteBuf in) {
        if (!readPreamble(in)) {
            return;
        }
        BlockKey namespace = preambleNamespace;
        int n = preambleCount;
        long headers = (long) BodyLayout.BLOCK_HEADER_LENGTH * n;
        if (headers > bodyRemaining) {
            fail(ErrorCode.MALFORMED_FRAME, "PUT_BATCH of " + n + " blocks needs at least " + headers
                + " bytes of block headers, the body has " + bodyRemaining + " left");
            return;
        }
        count = n;
        index = 0;
        state = BLOCK_HEADER;
        if (!listener.onPutStart(requestId, namespace, n)) {
            startSkip();
        }
    }

    private void readBlockHeader(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.BLOCK_HEADER_LENGTH);
        if (src == null) {
            return;
        }
        BlockKey key = BodyLayout.readKey(src);
        long length = src.readUnsignedIntLE();
        blockCrc = src.readIntLE();
        gatherer.reset();
        bodyRemaining -= BodyLayout.BLOCK_HEADER_LENGTH;
        long after = bodyRemaining - length - (long) BodyLayout.BLOCK_HEADER_LENGTH * (count - index - 1);
        if (after < 0) {
            fail(ErrorCode.MALFORMED_FRAME, "block " + index + " of length " + length
                + " runs past the body's end (" + bodyRemaining + " bytes left for it and "
                + (count - index - 1) + " more block headers)");
            return;
        }
        if (index == count - 1 && after > 0) {
            fail(ErrorCode.MALFORMED_FRAME, "PUT_BATCH body has " + after + " trailing bytes after block " + index);
            return;
        }
        blockRemaining = (int) length;
        blockTooLarge = length > limits.maxBlockBytes();
        state = BLOCK_BYTES;
        if (!blockTooLarge) {
            crc.reset();
            listener.onPutBlock(index, key, blockRemaining, blockCrc);
        }
        if (blockRemaining == 0) {
            endBlock();
        }
    }

    private void readBlockBytes(ByteBuf in) {
        int n = Math.min(in.readableBytes(), blockRemaining);
        if (!blockTooLarge) {
            int at = in.readerIndex();
            Crc32c.update(crc, in, at, n);
            listener.onPutBytes(in, at, n);
        }
        in.skipBytes(n);
        blockRemaining -= n;
        bodyRemaining -= n;
        if (blockRemaining == 0) {
            endBlock();
        }
    }

    private void endBlock() {
        ErrorCode verdict = blockTooLarge ? ErrorCode.BLOCK_TOO_LARGE
            : Crc32c.value(crc) == blockCrc ? ErrorCode.OK : ErrorCode.CHECKSUM_MISMATCH;
        int done = index++;
        boolean last = index == count;
        state = last ? HEADER : BLOCK_HEADER;
        listener.onPutBlockEnd(done, verdict);
        if (last) {
            listener.onRequestEnd(op, requestId);
        }
    }

    private void readKeysPreamble(ByteBuf in) {
        if (!readPreamble(in)) {
            return;
        }
        BlockKey namespace = preambleNamespace;
        int n = preambleCount;
        if (bodyRemaining != (long) BodyLayout.KEY_LENGTH * n) {
            fail(ErrorCode.MALFORMED_FRAME, op + " of " + n + " keys needs " + (long) BodyLayout.KEY_LENGTH * n
                + " bytes after the count, the body has " + bodyRemaining);
            return;
        }
        count = n;
        index = 0;
        state = KEY;
        if (!listener.onKeysStart(op, requestId, namespace, n)) {
            startSkip();
        }
    }

    private void readKey(ByteBuf in) {
        ByteBuf src = gatherer.gather(in, BodyLayout.KEY_LENGTH);
        if (src == null) {
            return;
        }
        BlockKey key = BodyLayout.readKey(src);
        gatherer.reset();
        bodyRemaining -= BodyLayout.KEY_LENGTH;
        int at = index++;
        boolean last = index == count;
        if (last) {
            state = HEADER;
        }
        listener.onKey(at, key);
        if (last) {
            listener.onRequestEnd(op, requestId);
        }
    }

    private void readAuth(ByteBuf in) {
        int n = Math.min(in.readableBytes(), auth.length - authFilled);
        in.readBytes(auth, authFilled, n);
        authFilled += n;
        bodyRemaining -= n;
        if (authFilled == auth.length) {
            byte[] token = auth;
            auth = new byte[0];
            state = HEADER;
            listener.onAuth(requestId, token);
        }
    }

    private boolean checkCount(int n) {
        if (n == 0) {
            fail(ErrorCode.MALFORMED_FRAME, op + " count is 0");
            return false;
        }
        if (n < 0 || n > limits.maxBlocksPerRequest()) {
            fail(ErrorCode.TOO_MANY_BLOCKS, op + " count " + Integer.toUnsignedString(n) + " over the limit "
                + limits.maxBlocksPerRequest());
            return false;
        }
        return true;
    }

    private void startSkip() {
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

    private void fail(ErrorCode code, String message) {
        state = FAILED;
        listener.onProtocolError(requestId, opCode, code, message);
    }
}
