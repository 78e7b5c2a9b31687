package io.spillway.perf.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the Mooncake trace format (JSON Lines: {@code timestamp}, {@code input_length}, {@code output_length},
 * {@code hash_ids}) into {@link TraceRequest}s in file order. Only {@code input_length} and {@code hash_ids} are used:
 * the simulator replays accesses in arrival order, and output tokens are not cached.
 */
public final class MooncakeTrace {
    private MooncakeTrace() {
    }

    public static List<TraceRequest> read(Path file) throws IOException {
        return readLines(file, MooncakeTrace::parse);
    }

    /** One row whole: arrival (ms from the first), prompt and output lengths, and the prompt's trace block ids. */
    public record Row(long timestampMillis, int inputTokens, int outputTokens, int[] hashIds) {
    }

    /** Every row of a trace, in file order, with its timing and output length (what the engine simulator needs). */
    public static List<Row> rows(Path file) throws IOException {
        return readLines(file, line -> {
            TraceRequest request = parse(line);
            return new Row(number(line, "\"timestamp\""), request.inputTokens(),
                Math.toIntExact(number(line, "\"output_length\"")), request.hashIds());
        });
    }

    /** Each non-blank line of {@code file} through {@code parser}; a line it refuses fails the read, naming the line. */
    private static <T> List<T> readLines(Path file, Function<String, T> parser) throws IOException {
        List<T> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    rows.add(parser.apply(line));
                } catch (IllegalArgumentException | ArithmeticException e) {
                    throw new IOException(file + ":" + lineNo + ": " + e.getMessage(), e);
                }
            }
        }
        return rows;
    }

    /** Parses one row; only the two fields the simulator needs, found by name. */
    static TraceRequest parse(String line) {
        int inputTokens = Math.toIntExact(number(line, "\"input_length\""));
        int key = line.indexOf("\"hash_ids\"");
        int open = key < 0 ? -1 : line.indexOf('[', key);
        int close = open < 0 ? -1 : line.indexOf(']', open);
        if (close < 0) {
            throw new IllegalArgumentException("no hash_ids array");
        }
        String body = line.substring(open + 1, close).trim();
        int[] ids;
        if (body.isEmpty()) {
            ids = new int[0];
        } else {
            String[] parts = body.split(",");
            ids = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                ids[i] = Integer.parseInt(parts[i].trim());
            }
        }
        return new TraceRequest(inputTokens, ids);
    }

    private static long number(String line, String name) {
        int key = line.indexOf(name);
        int colon = key < 0 ? -1 : line.indexOf(':', key + name.length());
        if (colon < 0) {
            throw new IllegalArgumentException("no " + name);
        }
        int start = colon + 1;
        while (start < line.length() && line.charAt(start) == ' ') {
            start++;
        }
        int end = start;
        while (end < line.length() && Character.isDigit(line.charAt(end))) {
            end++;
        }
        if (end == start) {
            throw new IllegalArgumentException(name + " is not a non-negative integer");
        }
        return Long.parseLong(line.substring(start, end));
    }
}
