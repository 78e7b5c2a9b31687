package io.spillway.perf.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Azure's LLM inference traces (CSV: {@code TIMESTAMP,ContextTokens,GeneratedTokens}, the timestamp with seven
 * fractional digits): arrival times and lengths, no prefix information. Rows in file order.
 */
final class AzureTrace {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSS");

    /** One request: arrival (ns from the first row), prompt and output lengths. */
    record Row(long arrivalNanos, int inputTokens, int outputTokens) {
    }

    private AzureTrace() {
    }

    /** The first {@code limit} rows; a line it cannot read fails the read, naming the line. */
    static List<Row> rows(Path file, int limit) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null || !header.trim().equals("TIMESTAMP,ContextTokens,GeneratedTokens")) {
                throw new IOException(file + ":1: expected the header TIMESTAMP,ContextTokens,GeneratedTokens, got "
                    + header);
            }
            LocalDateTime first = null;
            String line;
            int lineNo = 1;
            while (rows.size() < limit && (line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    String[] f = line.split(",");
                    if (f.length != 3) {
                        throw new IllegalArgumentException("expected 3 fields, got " + f.length);
                    }
                    LocalDateTime at = LocalDateTime.parse(f[0].trim(), TIME);
                    first = first == null ? at : first;
                    long nanos = ChronoUnit.NANOS.between(first, at);
                    if (nanos < 0) {
                        throw new IllegalArgumentException("a timestamp before the first row's");
                    }
                    rows.add(new Row(nanos, Integer.parseInt(f[1].trim()), Integer.parseInt(f[2].trim())));
                } catch (RuntimeException e) {
                    throw new IOException(file + ":" + lineNo + ": " + e.getMessage(), e);
                }
            }
        }
        return rows;
    }
}
