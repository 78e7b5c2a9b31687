package io.spillway.bridge.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the connector's requests, a line each, from one connection, never holding more than {@code maxBytes} of a
 * line: a peer that sends bytes without a newline is stopped at the bound ({@link TooLong}) instead of growing the
 * agent's heap until it dies. A line ends at {@code \n} (a {@code \r} before it is dropped, as
 * {@code BufferedReader.readLine} did); the bytes are UTF-8.
 */
final class RequestLineReader {
    /** A line longer than the bound: the connection is answered and closed. */
    static final class TooLong extends IOException {
        TooLong(int maxBytes) {
            super("a request line is longer than " + maxBytes + " bytes (" + AgentContext.MAX_REQUEST_BYTES_PROP
                + "); the connection is closed");
        }
    }

    private final InputStream in;
    private final int maxBytes;
    private final byte[] chunk = new byte[64 * 1024];
    private int start;
    private int end;
    /** The line so far, past what {@code chunk} held; grown as needed, never past {@code maxBytes}. */
    private byte[] line = new byte[4096];

    RequestLineReader(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /** The next line without its end, null at the end of the stream; a last line without a newline is returned. */
    String readLine() throws IOException {
        int length = 0;
        while (true) {
            if (start == end) {
                int n = in.read(chunk);
                if (n < 0) {
                    return length == 0 ? null : decode(line, length);
                }
                start = 0;
                end = n;
            }
            int newline = start;
            while (newline < end && chunk[newline] != '\n') {
                newline++;
            }
            int take = newline - start;
            if ((long) length + take > maxBytes) {
                throw new TooLong(maxBytes);
            }
            if (length + take > line.length) {
                line = Arrays.copyOf(line, (int) Math.min(maxBytes, Math.max(2L * line.length, length + take)));
            }
            System.arraycopy(chunk, start, line, length, take);
            length += take;
            start = newline;
            if (newline < end) {
                start++; // past the newline
                return decode(line, length);
            }
        }
    }

    private static String decode(byte[] bytes, int length) {
        int n = length > 0 && bytes[length - 1] == '\r' ? length - 1 : length;
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }
}
