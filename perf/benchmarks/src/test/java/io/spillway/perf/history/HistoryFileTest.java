package io.spillway.perf.history;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binary history format round-trips, and a file that is not a history is refused with its reason. */
class HistoryFileTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenHistoryReadsBackTheSame() throws Exception {
        HistoryLog a = new HistoryLog(3, 4);
        a.record(History.PUT, History.INFO, -1L, 2L, 100L, 200L, 0x4000_1234_5678L);
        a.record(History.GET, History.MISS, -1L, 2L, 300L, 400L, History.NO_VALUE);
        HistoryLog b = new HistoryLog(7, 1);
        b.record(History.GET, History.OK, 5L, 6L, 1L, 2L, 42L);
        b.record(History.GET, History.OK, 5L, 6L, 3L, 4L, 42L); // dropped
        History h = History.of(List.of(a, b));
        Path file = dir.resolve("h.bin");
        h.write(file);
        assertEquals(8 + 16 + 3L * History.RECORD_BYTES, Files.size(file));

        History back = History.read(file);
        assertEquals(3, back.size());
        assertEquals(1, back.dropped());
        for (int i = 0; i < 3; i++) {
            assertEquals(h.op(i), back.op(i));
        }
        assertArrayEquals(new int[] {3, 3, 7}, back.process);
    }

    @Test
    void notAHistoryIsRefused() throws Exception {
        Path file = dir.resolve("x.bin");
        Files.writeString(file, "hello, this is not it");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> History.read(file));
        assertTrue(e.getMessage().contains("not a Spillway history"), e.getMessage());
    }

    @Test
    void aTruncatedHistoryIsRefused() throws Exception {
        HistoryLog a = new HistoryLog(0, 2);
        a.record(History.PUT, History.OK, 1, 1, 0, 1, 9);
        a.record(History.GET, History.OK, 1, 1, 2, 3, 9);
        Path file = dir.resolve("h.bin");
        History.of(List.of(a)).write(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> History.read(file));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void aHeaderWithAnImpossibleCountIsRefused() throws Exception {
        Path file = dir.resolve("h.bin");
        ByteBuffer header = ByteBuffer.allocate(24).put(History.MAGIC).putLong(-3).putLong(0);
        Files.write(file, header.array());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> History.read(file));
        assertTrue(e.getMessage().contains("header says -3 operations"), e.getMessage());
    }

    @Test
    void anUnknownOutcomeIsRefused() throws Exception {
        HistoryLog a = new HistoryLog(0, 1);
        a.record(History.PUT, History.MISS, 1, 1, 0, 1, 9); // a put cannot miss
        Path file = dir.resolve("h.bin");
        History.of(List.of(a)).write(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> History.read(file));
        assertTrue(e.getMessage().contains("operation 0 has outcome 2"), e.getMessage());
    }

    @Test
    void valueIdentityLeavesTheBufferAndTellsValuesApart() {
        ValueId id = new ValueId();
        ByteBuffer x = ByteBuffer.allocateDirect(64);
        x.position(8);
        long first = id.of(x);
        assertEquals(8, x.position());
        assertEquals(first, id.of(x));
        x.put(20, (byte) 1);
        assertNotEquals(first, id.of(x));
        assertEquals(56L, id.of(x) >>> 32);
    }
}
