package io.spillway.perf.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.spillway.key.BlockKey;
import io.spillway.protocol.Crc32c;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.ProtocolLimits;
import io.spillway.protocol.RequestDecoder;
import io.spillway.protocol.RequestEncoder;
import io.spillway.protocol.RequestListener;
import io.spillway.protocol.ResponseDecoder;
import io.spillway.protocol.ResponseEncoder;
import io.spillway.protocol.ResponseListener;
import io.spillway.tier.TierKind;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The data-plane codec (kv-client's io.spillway.protocol) on its own, without sockets: encoding a 32-key
 * GET_BATCH, decoding it, and streaming a PUT_BATCH and a GET_BATCH response of {@code blocks} blocks of
 * {@code blockBytes} through the decoders, which verify every block's CRC32C (the cost that grows with bytes).
 * Bytes per second of the decode benchmarks = blocks × blockBytes / time per op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmark {
    private static final int KEYS = 32;

    @Param({"65536", "2097152"})
    int blockBytes;

    @Param({"1"})
    int blocks;

    private final BlockKey namespace = new BlockKey(0x1234L, 0x5678L);
    private BlockKey[] keys;
    private ByteBuf scratch;
    private ByteBuf getBatchFrame;
    private ByteBuf putBatchFrame;
    private ByteBuf getResponseFrame;
    private RequestDecoder requestDecoder;
    private ResponseDecoder responseDecoder;

    @Setup(Level.Trial)
    public void setUp(Blackhole bh) {
        keys = new BlockKey[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = new BlockKey(i * 31L, i * 17L);
        }
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        scratch = alloc.directBuffer(RequestEncoder.keysFrameLength(KEYS));
        getBatchFrame = alloc.directBuffer(RequestEncoder.keysFrameLength(KEYS));
        RequestEncoder.writeGetBatch(getBatchFrame, 1, namespace, keys);

        byte[] block = new byte[blockBytes];
        ThreadLocalRandom.current().nextBytes(block);
        ByteBuf blockBuf = alloc.directBuffer(blockBytes).writeBytes(block);
        int crc = Crc32c.of(blockBuf, 0, blockBytes);
        long total = (long) blocks * blockBytes;

        putBatchFrame = alloc.directBuffer((int) total + 64 + blocks * 24);
        RequestEncoder.writePutBatchStart(putBatchFrame, 2, namespace, blocks, total);
        for (int i = 0; i < blocks; i++) {
            RequestEncoder.writePutBlockHeader(putBatchFrame, keys[i % KEYS], blockBytes, crc);
            putBatchFrame.writeBytes(blockBuf, 0, blockBytes);
        }

        getResponseFrame = alloc.directBuffer((int) total + 64 + blocks * 12);
        ResponseEncoder.writeGetBatchStart(getResponseFrame, 3, blocks, total);
        for (int i = 0; i < blocks; i++) {
            ResponseEncoder.writeGetEntryHeader(getResponseFrame, TierKind.CPU, blockBytes, crc);
            getResponseFrame.writeBytes(blockBuf, 0, blockBytes);
        }
        blockBuf.release();

        requestDecoder = new RequestDecoder(ProtocolLimits.DEFAULTS, new SinkRequestListener(bh));
        responseDecoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, new SinkResponseListener(bh));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scratch.release();
        getBatchFrame.release();
        putBatchFrame.release();
        getResponseFrame.release();
    }

    @Benchmark
    public int encodeGetBatch32() {
        scratch.clear();
        RequestEncoder.writeGetBatch(scratch, 1, namespace, keys);
        return scratch.writerIndex();
    }

    @Benchmark
    public boolean decodeGetBatch32() {
        getBatchFrame.readerIndex(0);
        requestDecoder.decode(getBatchFrame);
        return requestDecoder.isIdle();
    }

    /** A PUT_BATCH as the server sees it: fed in 64 KiB chunks, as socket reads deliver it, CRC checked. */
    @Benchmark
    public boolean decodePutBatch() {
        feed(putBatchFrame, true);
        return requestDecoder.isIdle();
    }

    /** A GET_BATCH response as the client sees it: fed in 64 KiB chunks, CRC checked. */
    @Benchmark
    public boolean decodeGetResponse() {
        feed(getResponseFrame, false);
        return responseDecoder.isFailed();
    }

    private void feed(ByteBuf frame, boolean request) {
        int end = frame.writerIndex();
        for (int at = 0; at < end; at += 65536) {
            ByteBuf chunk = frame.slice(at, Math.min(65536, end - at));
            if (request) {
                requestDecoder.decode(chunk);
            } else {
                responseDecoder.decode(chunk);
            }
        }
    }

    /** Consumes callbacks; fails loudly if the codec reports a problem (the benchmark would be measuring nothing). */
    private static final class SinkRequestListener implements RequestListener {
        private final Blackhole bh;

        SinkRequestListener(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public boolean onPutStart(int requestId, BlockKey namespace, int count) {
            return true;
        }

        @Override
        public void onPutBlock(int index, BlockKey key, int length, int crc32c) {
            bh.consume(key);
        }

        @Override
        public void onPutBytes(ByteBuf buffer, int index, int length) {
            bh.consume(length);
        }

        @Override
        public void onPutBlockEnd(int index, ErrorCode verdict) {
            if (verdict != ErrorCode.OK) {
                throw new IllegalStateException("put block " + index + ": " + verdict);
            }
        }

        @Override
        public boolean onKeysStart(OpCode op, int requestId, BlockKey namespace, int count) {
            return true;
        }

        @Override
        public void onKey(int index, BlockKey key) {
            bh.consume(key);
        }

        @Override
        public void onRequestEnd(OpCode op, int requestId) {
            bh.consume(requestId);
        }

        @Override
        public void onPing(int requestId) {
        }

        @Override
        public void onUnknownOp(int opCode, int requestId) {
            throw new IllegalStateException("unknown op " + opCode);
        }

        @Override
        public void onProtocolError(int requestId, int opCode, ErrorCode code, String message) {
            throw new IllegalStateException(code + ": " + message);
        }
    }

    private static final class SinkResponseListener implements ResponseListener {
        private final Blackhole bh;

        SinkResponseListener(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public boolean onPutResponse(int requestId, int count) {
            return true;
        }

        @Override
        public void onPutStatus(int index, ErrorCode status) {
        }

        @Override
        public boolean onGetResponse(int requestId, int count) {
            return true;
        }

        @Override
        public void onGetEntry(int index, ErrorCode status, TierKind tier, int length) {
            bh.consume(length);
        }

        @Override
        public void onGetBytes(ByteBuf buffer, int index, int length) {
            bh.consume(length);
        }

        @Override
        public void onGetEntryEnd(int index, ErrorCode verdict) {
            if (verdict != ErrorCode.OK) {
                throw new IllegalStateException("get entry " + index + ": " + verdict);
            }
        }

        @Override
        public boolean onLookupResponse(int requestId, int prefixLength, int tierCount) {
            return true;
        }

        @Override
        public void onLookupTier(TierKind tier, int longestRun, int blocksInPrefix) {
        }

        @Override
        public void onResponseEnd(OpCode op, int requestId) {
            bh.consume(requestId);
        }

        @Override
        public void onError(int opCode, int requestId, ErrorCode status, String message) {
            throw new IllegalStateException(status + ": " + message);
        }

        @Override
        public void onProtocolError(ErrorCode code, String message) {
            throw new IllegalStateException(code + ": " + message);
        }
    }
}
