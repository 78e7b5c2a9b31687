package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records a {@link RequestDecoder}'s callbacks as text events (chunk boundaries left out, so any split of the
 * input records the same events) and the bytes of each block. Reusable by other modules' tests (test-jar).
 */
public class RecordingRequestListener implements RequestListener {
    public final List<String> events = new ArrayList<>();
    public final List<byte[]> blocks = new ArrayList<>();
    public boolean acceptStarts = true;
    private ByteArrayOutputStream current;

    @Override
    public boolean onPutStart(int requestId, BlockKey namespace, int count) {
        events.add("putStart id=" + requestId + " ns=" + namespace + " count=" + count);
        return acceptStarts;
    }

    @Override
    public void onPutBlock(int index, BlockKey key, int length, int crc32c) {
        events.add("block " + index + " key=" + key + " length=" + length);
        current = new ByteArrayOutputStream();
    }

    @Override
    public void onPutBytes(ByteBuf buffer, int index, int length) {
        byte[] chunk = new byte[length];
        buffer.getBytes(index, chunk);
        current.write(chunk, 0, length);
    }

    @Override
    public void onPutBlockEnd(int index, ErrorCode verdict) {
        events.add("blockEnd " + index + " " + verdict);
        blocks.add(current == null ? null : current.toByteArray());
        current = null;
    }

    @Override
    public boolean onKeysStart(OpCode op, int requestId, BlockKey namespace, int count) {
        events.add("keysStart " + op + " id=" + requestId + " ns=" + namespace + " count=" + count);
        return acceptStarts;
    }

    @Override
    public void onKey(int index, BlockKey key) {
        events.add("key " + index + " " + key);
    }

    @Override
    public void onRequestEnd(OpCode op, int requestId) {
        events.add("end " + op + " id=" + requestId);
    }

    @Override
    public void onPing(int requestId) {
        events.add("ping id=" + requestId);
    }

    @Override
    public void onAuth(int requestId, byte[] token) {
        events.add("auth id=" + requestId + " token=" + new String(token, StandardCharsets.UTF_8));
    }

    @Override
    public void onUnknownOp(int opCode, int requestId) {
        events.add("unknownOp " + opCode + " id=" + requestId);
    }

    @Override
    public void onProtocolError(int requestId, int opCode, ErrorCode code, String message) {
        events.add("error " + code + ": " + message);
    }

    /** The last event, or "" when none. */
    public String last() {
        return events.isEmpty() ? "" : events.get(events.size() - 1);
    }
}
