package io.spillway.bridge.agent;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.ThreadMXBean;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of how the GPU bridge agent reads its connector's requests (docs/security.md, "Fuzzing"):
 * the bytes of a connection are cut into lines and each parsed as {@link BridgeAgent} does before it touches memory
 * or the cluster: JSON, the {@code op}, then {@link Registration#parse} for a {@code register}, the request's keys for
 * a {@code lookup}, {@link TransferRequest#parse} for a {@code save} or {@code load}. A line is either parsed or
 * refused with an {@link IllegalArgumentException} whose message names the field (what the agent answers as
 * {@code {"ok": false, "error": ...}}); never another exception, which would answer with a bare class name. What
 * is accepted is what the line said: a register's layers sit in the regions the line named, a transfer's blocks lie
 * inside the request and the worker's cache. Plain {@code mvn test} replays the corpus in
 * {@code AgentRequestFuzzTestInputs} (the harness's and the Python connector's requests); {@code mvn verify} fuzzes.
 */
class AgentRequestFuzzTest {
    /** The worker's cache a transfer is checked against, as after a register. */
    static final int NUM_BLOCKS = 64;
    static final long FIXED_ALLOCATION_BYTES = 256 * 1024;
    /** Per line byte: Jackson's tree, a token id's int and its share of a block key, strings. */
    static final long BYTES_PER_INPUT_BYTE = 512;

    private static final ObjectMapper JSON = new ObjectMapper(); // configured as the agent's
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final Namespace NAMESPACE = Namespace.builder().tenant("fuzz").modelId("m").dtype("bfloat16")
        .blockSizeTokens(16).layers(2).kvHeads(2).headDim(16).layout("fuzz").build();

    /**
     * The requests' field names and the integers at the edges of int and long: the fuzzer splices these into lines,
     * as it could not guess a ten-digit number byte by byte.
     */
    @DictionaryEntries({"\"op\":", "\"register\"", "\"lookup\"", "\"save\"", "\"load\"", "\"namespace\":",
        "\"cache\":", "\"staging\":", "\"regions\":", "\"layers\":", "\"runs\":", "\"num_blocks\":",
        "\"block_ids\":", "\"from\":", "\"gen\":", "\"tokens\":", "\"extras\":", "\"mm\":", "\"embeds\":",
        "\"slots\":", "\"block_bytes\":", "2147483647", "-2147483648", "4294967296", "-4294967296",
        "9223372036854775807", "-9223372036854775808", "1e300", "null"})
    @FuzzTest(maxExecutions = 1_000_000)
    void parsesRequestLines(byte[] connection) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(connection),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                long bound = FIXED_ALLOCATION_BYTES + BYTES_PER_INPUT_BYTE * line.length();
                long first = parse(line);
                if (first > bound) {
                    long again = parse(line); // warm: what a first use costs once is not the line's
                    if (again > bound) {
                        throw new AssertionError("a line of " + line.length() + " chars allocated " + again
                            + " bytes, over " + bound);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses and checks one line; returns the bytes of heap that took. */
    private static long parse(String line) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        check(line);
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /** Parses one line as the agent does and holds the outcome to the contract above. */
    static void check(String line) {
        JsonNode request;
        try {
            request = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return; // answered "not a JSON object"
        }
        if (request == null || !request.isObject() || !request.path("op").isTextual()) {
            return; // answered "a request is a JSON object with an op"
        }
        String op = request.get("op").asText();
        Object parsed;
        try {
            parsed = switch (op) {
                case "register" -> Registration.parse(request, "fuzz");
                case "lookup" -> TransferRequest.keys(request, NAMESPACE);
                case "save", "load" -> TransferRequest.parse(request, NAMESPACE, NUM_BLOCKS);
                default -> null; // no fields to parse, or answered "unknown op"
            };
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a refusal without a message", e);
            }
            return;
        }
        if (parsed instanceof Registration r) {
            checkRegistration(request, r);
        } else if (parsed instanceof TransferRequest t) {
            checkTransfer(request, t);
        } else if (parsed instanceof BlockKey[] keys && keys.length != request.get("tokens").size() / 16) {
            throw new AssertionError(keys.length + " keys for " + request.get("tokens").size() + " tokens");
        }
    }

    /** An accepted register says what the line said: every layer in the region it named, the blocks it gave. */
    private static void checkRegistration(JsonNode request, Registration r) {
        if (r.staged()) {
            return;
        }
        JsonNode cache = request.get("cache");
        KvCacheSpec spec = r.cache();
        if (spec.numBlocks() != cache.get("num_blocks").asLong()) {
            throw new AssertionError("num_blocks " + cache.get("num_blocks") + " registered as " + spec.numBlocks());
        }
        JsonNode layers = cache.get("layers");
        for (int l = 0; l < layers.size(); l++) {
            long region = layers.get(l).get(0).asLong();
            if (spec.layer(l).region() != region || region >= r.regions().size()) {
                throw new AssertionError("layer " + l + " named region " + region + ", registered in "
                    + spec.layer(l).region() + " of " + r.regions().size());
            }
        }
    }

    /** An accepted transfer's blocks lie inside the request's full blocks and the worker's cache. */
    private static void checkTransfer(JsonNode request, TransferRequest t) {
        int n = t.blockCount();
        if (n != request.get("block_ids").size()) {
            throw new AssertionError(n + " blocks for " + request.get("block_ids"));
        }
        BlockKey[] keys = t.keys(0, n);
        for (int id : t.blockIds(0, n)) {
            if (id < 0 || id >= NUM_BLOCKS) {
                throw new AssertionError("block id " + id + " accepted outside the cache");
            }
        }
        if (keys.length != n) {
            throw new AssertionError(keys.length + " keys for " + n + " blocks");
        }
    }
}
