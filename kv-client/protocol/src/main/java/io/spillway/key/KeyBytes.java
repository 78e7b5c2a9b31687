package io.spillway.key;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Fixed-width integer access on byte arrays: u32 little-endian for the encoding, longs big-endian for keys. */
final class KeyBytes {
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private KeyBytes() {
    }

    /** Writes the low 32 bits of {@code value} little-endian at {@code index}. */
    static void putU32(byte[] dst, int index, int value) {
        INT_LE.set(dst, index, value);
    }

    /** Reads a u32 little-endian at {@code index} as an int (the caller treats it as unsigned). */
    static int getU32(byte[] src, int index) {
        return (int) INT_LE.get(src, index);
    }

    /** Writes a 16-byte key at {@code index}: {@code hi} then {@code lo}, each big-endian (the canonical key bytes). */
    static void putKey(byte[] dst, int index, long hi, long lo) {
        LONG_BE.set(dst, index, hi);
        LONG_BE.set(dst, index + 8, lo);
    }

    /** Reads a big-endian long at {@code index}. */
    static long getLongBigEndian(byte[] src, int index) {
        return (long) LONG_BE.get(src, index);
    }
}
