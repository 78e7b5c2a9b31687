package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes the seed corpora of {@link RequestDecoderFuzzTest} and {@link ResponseDecoderFuzzTest}: real frames from
 * {@link RequestEncoder} and {@link ResponseEncoder}, each behind the one byte that picks how {@link FuzzReads} cuts
 * them into reads. The committed files came from this; run it again after a change to the frames:
 * {@code java -cp <test classpath> io.spillway.protocol.FrameSeeds kv-client/protocol/src/test/resources}.
 */
final class FrameSeeds {
    private static final BlockKey NS = new BlockKey(0x1111_2222_3333_4444L, 0x5555_6666_7777_8888L);

    private FrameSeeds() {
    }

    static Map<String, byte[]> requests() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] ping = frame(out -> RequestEncoder.writePing(out, 2));
        byte[] put = putBatch(4, new int[] {0, 24, 200});
        byte[] get = frame(out -> RequestEncoder.writeGetBatch(out, 6, NS, keys(3)));
        byte[] lookup = frame(out -> RequestEncoder.writeLookupPrefix(out, 8, NS, keys(4)));
        seeds.put("ping", seed(0, ping));
        seeds.put("put-batch", seed(0, put));
        seeds.put("put-batch-byte-reads", seed(8, put));
        seeds.put("put-batch-bad-crc", seed(3, corruptLastByte(putBatch(10, new int[] {32}))));
        seeds.put("put-batch-skipped", seed(5, putBatch(11, new int[] {16, 16})));
        seeds.put("get-batch", seed(0, get));
        seeds.put("lookup-prefix", seed(2, lookup));
        seeds.put("unknown-op", seed(1, Frames.build(out -> {
            FrameHeader.write(out, 0x7E, 0, ErrorCode.OK, 12, 5);
            out.writeBytes(new byte[5]);
        })));
        seeds.put("pipelined", seed(4, Frames.concat(ping, put, get, lookup, ping)));
        seeds.put("auth", seed(6, Frames.concat(frame(out -> RequestEncoder.writeAuth(out, 16,
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl".getBytes(StandardCharsets.US_ASCII))), ping)));
        seeds.put("put-batch-default-limits", seed(0x80, putBatch(14, new int[] {300, 1})));
        return seeds;
    }

    static Map<String, byte[]> responses() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] pong = frame(out -> ResponseEncoder.writePong(out, 2));
        byte[] put = frame(out -> ResponseEncoder.writePutBatch(out, 4, new ErrorCode[] {ErrorCode.OK,
            ErrorCode.BACK_PRESSURE, ErrorCode.NOT_OWNER}, 3, 17));
        byte[] get = getBatch(6, -1);
        byte[] getVersioned = getBatch(8, 42);
        byte[] lookup = frame(out -> ResponseEncoder.writeLookupPrefix(out, 10, 3,
            new TierKind[] {TierKind.CPU, TierKind.NVME}, new int[] {3, 1}, new int[] {3, 2}, 2));
        byte[] error = frame(out -> ResponseEncoder.writeError(out, OpCode.GET_BATCH.code(), 12,
            ErrorCode.UNKNOWN_NAMESPACE, "namespace 00ff is not registered on node n1"));
        seeds.put("pong", seed(0, pong));
        seeds.put("put-batch", seed(0, put));
        seeds.put("get-batch", seed(0, get));
        seeds.put("get-batch-byte-reads", seed(8, getVersioned));
        seeds.put("get-batch-topology", seed(3, getVersioned));
        seeds.put("lookup-prefix", seed(2, lookup));
        seeds.put("error", seed(1, error));
        seeds.put("skipped", seed(5, frame(out -> ResponseEncoder.writePutBatch(out, 13,
            new ErrorCode[] {ErrorCode.OK}, 1, 3))));
        seeds.put("pipelined", seed(4, Frames.concat(pong, put, get, lookup, error, getVersioned)));
        seeds.put("auth-ok", seed(6, Frames.concat(frame(out -> ResponseEncoder.writeAuthOk(out, 16)), pong)));
        return seeds;
    }

    private static byte[] putBatch(int requestId, int[] lengths) {
        BlockKey[] keys = keys(lengths.length);
        long total = 0;
        for (int n : lengths) {
            total += n;
        }
        long bytes = total;
        return frame(out -> {
            RequestEncoder.writePutBatchStart(out, requestId, NS, lengths.length, bytes);
            for (int i = 0; i < lengths.length; i++) {
                byte[] block = block(i, lengths[i]);
                RequestEncoder.writePutBlockHeader(out, keys[i], block.length,
                    Crc32c.of(ByteBuffer.wrap(block)));
                out.writeBytes(block);
            }
        });
    }

    private static byte[] getBatch(int requestId, long topologyVersion) {
        byte[] hit = block(1, 40);
        byte[] hit2 = block(2, 7);
        return frame(out -> {
            ResponseEncoder.writeGetBatchStart(out, requestId, 3, hit.length + hit2.length, topologyVersion);
            ResponseEncoder.writeGetEntryHeader(out, TierKind.CPU, hit.length,
                Crc32c.of(ByteBuffer.wrap(hit)));
            out.writeBytes(hit);
            ResponseEncoder.writeGetMiss(out, ErrorCode.NOT_FOUND);
            ResponseEncoder.writeGetEntryHeader(out, TierKind.NVME, hit2.length,
                Crc32c.of(ByteBuffer.wrap(hit2)));
            out.writeBytes(hit2);
            if (topologyVersion >= 0) {
                ResponseEncoder.writeTopologyTrailer(out, topologyVersion);
            }
        });
    }

    private static BlockKey[] keys(int n) {
        BlockKey[] keys = new BlockKey[n];
        for (int i = 0; i < n; i++) {
            keys[i] = new BlockKey(0x0A0B_0C0D_0000_0000L + i, 0x0102_0304_0506_0708L * (i + 1));
        }
        return keys;
    }

    private static byte[] block(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    private static byte[] corruptLastByte(byte[] frame) {
        frame[frame.length - 1] ^= 0x5A;
        return frame;
    }

    private static byte[] frame(Consumer<ByteBuf> writer) {
        return Frames.build(writer);
    }

    /** {@code plan}: the byte {@link FuzzReads} cuts reads by; then the wire bytes. */
    private static byte[] seed(int plan, byte[] wire) {
        return Frames.concat(new byte[] {(byte) plan}, wire);
    }

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(args[0], "io", "spillway", "protocol");
        write(resources.resolve("RequestDecoderFuzzTestInputs").resolve("decodesRequests"), requests());
        write(resources.resolve("ResponseDecoderFuzzTestInputs").resolve("decodesResponses"), responses());
    }

    private static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }
}
