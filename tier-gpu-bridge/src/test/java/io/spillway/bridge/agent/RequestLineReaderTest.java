package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Lines as {@code BufferedReader.readLine} gave them, but never one longer than the bound. */
class RequestLineReaderTest {
    private static RequestLineReader reader(String text, int maxBytes) {
        return new RequestLineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), maxBytes);
    }

    @Test
    void linesEndAtNewlinesDropACarriageReturnAndTheLastMayLackOne() throws Exception {
        RequestLineReader in = reader("{\"op\":\"ping\"}\r\n\n\u00e9t\u00e9\nlast", 1024);
        assertEquals("{\"op\":\"ping\"}", in.readLine());
        assertEquals("", in.readLine());
        assertEquals("\u00e9t\u00e9", in.readLine(), "UTF-8");
        assertEquals("last", in.readLine());
        assertNull(in.readLine());
    }

    @Test
    void aLineSplitAcrossManyReadsIsJoined() throws Exception {
        String line = "y".repeat(200_000);
        // one byte a read: every chunk boundary falls inside the line
        InputStream trickle = new ByteArrayInputStream((line + "\nz\n").getBytes(StandardCharsets.UTF_8)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
        RequestLineReader in = new RequestLineReader(trickle, 200_000);
        assertEquals(line, in.readLine(), "exactly the bound");
        assertEquals("z", in.readLine());
    }

    @Test
    void aLineOverTheBoundIsRefusedBeforeItIsHeld() {
        RequestLineReader in = reader("x".repeat(1025) + "\n", 1024);
        RequestLineReader.TooLong e = assertThrows(RequestLineReader.TooLong.class, in::readLine);
        assertEquals("a request line is longer than 1024 bytes (spillway.agent.maxRequestBytes); the connection is "
            + "closed", e.getMessage());
        // without a newline at all, too
        assertThrows(RequestLineReader.TooLong.class, () -> reader("x".repeat(5000), 1024).readLine());
    }
}
