package io.spillway.perf.peer;

import io.spillway.perf.harness.LatencyRecorder;
import io.spillway.perf.harness.LatencySummary;
import io.spillway.perf.harness.OpResult;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSlice;
import io.spillway.perf.harness.PhaseSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The Python process that drives a peer through its own client ({@code peer_worker.py}, shipped as a resource and
 * copied into the run directory): started once, it starts its worker processes and their clients and answers
 * {@code ready VERSION}; then each {@link #runSlice} sends one {@code slice} line and reads the figures back
 * ({@link WorkerReply}). Its stderr goes to a log file; a command that gets no answer in time, or a worker that
 * exits, fails with the log's tail.
 */
public final class PeerWorker implements AutoCloseable {
    static final String SCRIPT = "peer_worker.py";
    /** Fresh PUT ids start here, as the Java harness's do, far from the working set. */
    static final long FRESH_ID_BASE = 1L << 40;
    private static final String EOF = "\u0000eof";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PRELOAD_TIMEOUT = Duration.ofMinutes(5);
    /** Beyond a slice's warm-up and duration: the last requests finishing, the processes reporting. */
    private static final Duration SLICE_SLACK = Duration.ofSeconds(60);

    private final String target;
    private final Process process;
    private final Path log;
    private final Writer commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Thread hook;
    private String version = "?";

    private PeerWorker(String target, Process process, Path log) {
        this.target = target;
        this.process = process;
        this.log = log;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> readAnswers(process.getInputStream()), target + "-worker-out");
        reader.setDaemon(true);
        reader.start();
        this.hook = new Thread(process::destroyForcibly, "stop-" + target + "-worker");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code python peer_worker.py ARGS} in {@code dir} and waits for its {@code ready} line.
     *
     * @param args the worker's options ({@code --store}, addresses, {@code --processes}, block size, batch)
     */
    public static PeerWorker start(String target, Path python, List<String> args, Path dir) throws IOException,
        InterruptedException {
        Path script = copyScript(dir);
        List<String> command = new ArrayList<>(List.of(python.toString(), "-u", script.toString()));
        command.addAll(args);
        Path log = dir.resolve(target + "-worker.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
            .redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
        PeerWorker w = new PeerWorker(target, p, log);
        try {
            String ready = w.answer(START_TIMEOUT, "starting");
            if (!ready.startsWith("ready")) {
                throw new IllegalStateException(target + " worker did not start: " + ready + "; log " + log + ":\n"
                    + w.logTail());
            }
            w.version = ready.length() > 6 ? ready.substring(6).trim() : "?";
            return w;
        } catch (RuntimeException | InterruptedException e) {
            w.close();
            throw e;
        }
    }

    /** Copies the worker script out of the classpath into {@code dir}. */
    static Path copyScript(Path dir) throws IOException {
        Path script = dir.resolve(SCRIPT);
        try (InputStream in = Objects.requireNonNull(PeerWorker.class.getResourceAsStream(SCRIPT),
            SCRIPT + " is not on the classpath")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }

    /** The client distribution and version the worker imported, e.g. {@code mooncake-transfer-engine==0.3.13}. */
    public String clientVersion() {
        return version;
    }

    /** Writes blocks {@code [0, blocks)}, {@code batch} per request, from all worker processes; returns seconds. */
    public double preload(long blocks, int blockBytes, int batch) throws IOException, InterruptedException {
        send(String.format(Locale.ROOT, "preload %d %d %d", blocks, blockBytes, batch));
        String ok = answer(PRELOAD_TIMEOUT, "preloading");
        if (!ok.startsWith("ok ")) {
            throw new IllegalStateException("preload of " + blocks + " blocks into " + target + " failed: " + ok);
        }
        return Double.parseDouble(ok.substring(3).trim());
    }

    /** Runs one slice of {@code spec} in every worker process at once and returns its figures. */
    public PhaseSlice runSlice(PhaseSpec spec) throws IOException, InterruptedException {
        send(String.format(Locale.ROOT, "slice %d %d %d %d %d %d %d", spec.readRatio() > 0 ? 1 : 0, spec.batch(),
            spec.blocks(), spec.blockBytes(), spec.warmup().toMillis(), spec.duration().toMillis(), FRESH_ID_BASE));
        Duration limit = spec.warmup().plus(spec.duration()).plus(SLICE_SLACK);
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = answer(limit, "running " + spec.name());
            if (line.startsWith("fail")) {
                throw new IllegalStateException(target + " " + spec.name() + ": " + line);
            }
            if (line.equals("end")) {
                return WorkerReply.parse(target, spec, lines);
            }
            lines.add(line);
        }
    }

    /** An empty slice with one error, {@code cause}'s message as its first. */
    public static PhaseSlice failedSlice(String target, PhaseSpec spec, Exception cause) {
        Histogram none = LatencyRecorder.newHistogram();
        OpResult nothing = new OpResult(0, 0, 0, 0, 0, 0, 0, LatencySummary.of(none));
        return new PhaseSlice(new PhaseResult(target, spec, 0, nothing, nothing, 1, cause.toString()), none,
            LatencyRecorder.newHistogram());
    }

    private void send(String command) throws IOException {
        commands.write(command + "\n");
        commands.flush();
    }

    private String answer(Duration timeout, String doing) throws InterruptedException {
        String line = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null || line.equals(EOF)) {
            throw new IllegalStateException(target + " worker " + (line == null ? "gave no answer in "
                + timeout.toSeconds() + " s" : "exited") + " while " + doing + "; log " + log + ":\n" + logTail());
        }
        return line;
    }

    private void readAnswers(InputStream out) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                answers.add(line);
            }
        } catch (IOException e) {
            // the process is gone: EOF below tells the waiting caller
        }
        answers.add(EOF);
    }

    String logTail() {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Asks the worker to quit, then stops it if it has not within 10 s. */
    @Override
    public void close() {
        try {
            send("quit");
        } catch (IOException gone) {
            // already exited
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run
        }
    }
}
