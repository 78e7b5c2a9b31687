package io.spillway.event.vllm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Test payloads written field by field with msgpack's packer, from the field lists of
 * vllm/distributed/kv_events.py, independently of {@link VllmEventEncoder}: what vLLM's msgspec encoder writes for
 * positional ({@code array_like=True}) and tagged-map events.
 */
final class VllmPayloads {
    private final MessageBufferPacker p = MessagePack.newDefaultBufferPacker();

    static VllmPayloads create() {
        return new VllmPayloads();
    }

    byte[] bytes() {
        return p.toByteArray();
    }

    VllmPayloads array(int n) {
        return run(() -> p.packArrayHeader(n));
    }

    VllmPayloads map(int n) {
        return run(() -> p.packMapHeader(n));
    }

    VllmPayloads str(String s) {
        return run(() -> p.packString(s));
    }

    VllmPayloads nil() {
        return run(p::packNil);
    }

    VllmPayloads integer(long v) {
        return run(() -> p.packLong(v));
    }

    VllmPayloads uint64(String unsigned) {
        return run(() -> p.packBigInteger(new BigInteger(unsigned)));
    }

    VllmPayloads dbl(double v) {
        return run(() -> p.packDouble(v));
    }

    VllmPayloads bool(boolean v) {
        return run(() -> p.packBoolean(v));
    }

    VllmPayloads bin(byte... b) {
        return run(() -> {
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        });
    }

    VllmPayloads ints(int... values) {
        array(values.length);
        for (int v : values) {
            integer(v);
        }
        return this;
    }

    /** {@code key: value} in a map is just two values; this names the key for readability. */
    VllmPayloads key(String name) {
        return str(name);
    }

    private VllmPayloads run(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }
}
