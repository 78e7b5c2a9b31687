package io.spillway.perf.history;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A value's identity in a history: its length in the high 32 bits and the CRC32C of its bytes in the low 32. Two
 * different values share an identity with probability about 2^-32. One per worker (holds a CRC32C); allocates nothing
 * per call.
 */
public final class ValueId {
    private final CRC32C crc = new CRC32C();

    /** The identity of {@code data}'s remaining bytes; its position and limit are left as they were. */
    public long of(ByteBuffer data) {
        int position = data.position();
        int length = data.remaining();
        crc.reset();
        crc.update(data);
        data.position(position);
        return ((long) length << 32) | crc.getValue();
    }
}
