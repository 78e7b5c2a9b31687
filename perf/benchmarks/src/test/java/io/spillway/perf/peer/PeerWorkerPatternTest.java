package io.spillway.perf.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.harness.BlockPattern;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer worker checks what it reads with its own copy of the bench's block pattern: the copy must agree with
 * {@link BlockPattern} byte for byte both ways, or a peer's reads would be counted wrong (or right when wrong).
 * Runs the shipped {@code peer_worker.py --self-check} under plain {@code python3} (no peer's client needed).
 */
class PeerWorkerPatternTest {
    private static final HexFormat HEX = HexFormat.of();
    /** Sizes with 0, 1 and 8 probes, an odd length, and a 2 MiB block; ids small, large and negative as longs. */
    private static final int[] LENGTHS = {16, 24, 100, 4099, 2 << 20};
    private static final long[] IDS = {0, 1, 255, 1L << 40, (1L << 40) + 12_345, -3};

    private Process python;
    private Writer in;
    private BufferedReader out;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        Path script = PeerWorker.copyScript(dir);
        python = new ProcessBuilder("python3", script.toString(), "--self-check")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = new OutputStreamWriter(python.getOutputStream(), StandardCharsets.UTF_8);
        out = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() throws Exception {
        in.close();
        if (!python.waitFor(10, TimeUnit.SECONDS)) {
            python.destroyForcibly();
        }
    }

    private String ask(String line) throws Exception {
        in.write(line + "\n");
        in.flush();
        return out.readLine();
    }

    @Test
    void blocksTheWorkerStampsPassTheHarnesssCheck() throws Exception {
        for (int length : LENGTHS) {
            for (long id : IDS) {
                byte[] block = HEX.parseHex(ask("stamp " + id + " " + length));
                assertEquals(length, block.length);
                assertNull(BlockPattern.check(ByteBuffer.wrap(block), id, length), "id " + id + " length " + length);
                String wrong = BlockPattern.check(ByteBuffer.wrap(block), id + 1, length);
                assertTrue(wrong != null && wrong.contains("holds block " + id), wrong);
            }
        }
    }

    @Test
    void theWorkerAcceptsBlocksTheHarnessStampsAndCatchesWrongOnes() throws Exception {
        for (int length : LENGTHS) {
            ByteBuffer b = ByteBuffer.allocate(length);
            BlockPattern.fillTemplate(b);
            for (long id : IDS) {
                BlockPattern.stamp(b, id, length);
                String hex = HEX.formatHex(b.array(), 0, length);
                assertEquals("ok", ask("check " + id + " " + length + " " + hex), "id " + id + " length " + length);
                assertEquals("block " + (id + 7) + ": holds block " + id, ask("check " + (id + 7) + " " + length
                    + " " + hex));
            }
        }
        // a garbled last probe word (the block's tail) and a truncated block are caught too
        int length = 4099;
        ByteBuffer b = ByteBuffer.allocate(length);
        BlockPattern.fillTemplate(b);
        BlockPattern.stamp(b, 9, length);
        byte[] garbled = b.array().clone();
        int last = 16 + ((length - 16) / 8 - 1) * 8;
        garbled[last] ^= 1;
        assertEquals("block 9: wrong bytes at offset " + last, ask("check 9 " + length + " "
            + HEX.formatHex(garbled)));
        assertEquals("block 9: length 4000, expected " + length, ask("check 9 " + length + " "
            + HEX.formatHex(b.array(), 0, 4000)));
    }
}
