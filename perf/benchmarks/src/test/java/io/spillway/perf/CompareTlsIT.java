package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spillway.perf.adapter.SpillwayTarget;
import io.spillway.perf.launch.SpillwayServerProcess;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.RequestEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench compare --tls} on real node processes, shortened for CI: the plaintext node and the mutual-TLS node
 * run in the same interleaved rounds, and the report carries Spillway TLS / Spillway plaintext for GET, batch GET and
 * PUT, merged and per round, with the providers. Asserts only what holds at any speed: both nodes moved verified
 * blocks, every ratio is there and positive, and the TLS node really serves TLS (it names its provider, and refuses a
 * plaintext client). The ratios themselves are figures for docs/benchmarks.md, not assertions.
 */
class CompareTlsIT {
    private static final Pattern TLS = Pattern.compile("\"tls\":\\{\"ratio_get\":([0-9.eE+-]+),\"ratio_put\":"
        + "([0-9.eE+-]+),\"ratio_batch_get\":([0-9.eE+-]+),\"rounds\":\\{\"put\":\\[(.*?)],\"get\":\\[(.*?)],"
        + "\"batch_get\":\\[(.*?)]},\"node_tls_provider\":\"(OPENSSL|JDK)\",\"client_tls_provider\":\"(OPENSSL|JDK)\"}");

    @TempDir
    Path dir;

    /** A small workload, every option of it a {@link WorkloadOptions} one. */
    private static final List<String> SMALL = List.of("--block-size", "64k", "--blocks", "32", "--connections", "2",
        "--cpu-capacity", "64m", "--no-progress");

    @Test
    void tlsNodeRunsInTheSameRoundsAndItsRatiosToPlaintextAreReported() throws Exception {
        Path json = dir.resolve("compare.json");
        List<String> args = new ArrayList<>(List.of("--targets", "spillway", "--tls", "--rounds", "2",
            "--duration", "1s", "--warmup", "200ms", "--batch", "4", "--json", json.toString()));
        args.addAll(SMALL);
        CompareRuns.Result run = CompareRuns.runClean(new CompareCommand(), json, args);
        String out = run.json();
        String text = run.table();
        assertTrue(out.contains("\"spillway\":{\"get\":{\"target\":\"spillway\""), out);
        assertTrue(out.contains("\"spillway-tls\":{\"get\":{\"target\":\"spillway-tls\""), out);

        Matcher m = TLS.matcher(out);
        assertTrue(m.find(), "tls section with ratios and providers: " + out);
        CompareRuns.assertRatios(m, 2, out);
        assertTrue(text.contains("spillway tls / plain"), text);
        assertTrue(text.contains("spillway-tls: mutual TLS, data-plane TLS by " + m.group(7) + " (node)"), text);
    }

    @Test
    void tlsNodeRefusesThePlaintextClientThatThePlaintextNodeServes() throws Exception {
        WorkloadOptions w = CommandLine.populateCommand(new WorkloadOptions(), SMALL.toArray(String[]::new));
        try (TargetLauncher.Started plain = TargetLauncher.start(TargetLauncher.SPILLWAY, w, dir.resolve("plain"));
             TargetLauncher.Started tls = TargetLauncher.start(TargetLauncher.SPILLWAY_TLS, w, dir.resolve("tls"))) {
            plain.target().open(1);
            tls.target().open(1);
            SpillwayServerProcess node = (SpillwayServerProcess) tls.server();
            SpillwayTarget plaintextClient = new SpillwayTarget("127.0.0.1", node.dataPort(), node.controlPort(), 1);
            try {
                assertThrows(Exception.class, () -> plaintextClient.open(1), "plaintext control plane refused");
            } finally {
                plaintextClient.close();
            }
            assertFalse(answersPlaintextPing(node.dataPort()), "no protocol answer in plaintext on the data port");
            SpillwayServerProcess plainNode = (SpillwayServerProcess) plain.server();
            assertTrue(plainNode.dataPlaneTlsProvider().isEmpty(), "the plaintext node logs no TLS provider");
            assertTrue(answersPlaintextPing(plainNode.dataPort()), "the plaintext node answers the same PING");
        }
    }

    /** Sends a data-plane PING frame in plaintext; true when a Spillway frame comes back. */
    private static boolean answersPlaintextPing(int port) {
        ByteBuf ping = Unpooled.buffer(FrameHeader.LENGTH);
        RequestEncoder.writePing(ping, 1);
        byte[] frame = new byte[ping.readableBytes()];
        ping.readBytes(frame);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(frame);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = in.readNBytes(FrameHeader.LENGTH);
            return answer.length == FrameHeader.LENGTH
                && Unpooled.wrappedBuffer(answer).getUnsignedShortLE(FrameHeader.MAGIC_OFFSET) == FrameHeader.MAGIC;
        } catch (IOException reset) {
            return false; // the node may reset the connection instead of closing it: no answer all the same
        }
    }
}
