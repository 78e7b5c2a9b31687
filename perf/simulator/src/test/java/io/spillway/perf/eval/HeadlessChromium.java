package io.spillway.perf.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's chromium run headless on a local file: the DOM after layout, or a screenshot. {@code bin/spillway test}
 * installs the package when it is missing; {@code SPILLWAY_CHROMIUM} names another binary. Where none runs, the
 * calls fail with the reason (a test of the page must not pass without a browser).
 */
final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 90;

    private final Path work;

    /** @param work a directory for the browser's profile and its log */
    HeadlessChromium(Path work) {
        this.work = work;
    }

    /** The document as serialised after its load event (scripts run, layout done). */
    String dumpDom(Path page) throws IOException, InterruptedException {
        Path dom = work.resolve("dom.html");
        run(List.of("--dump-dom", page.toUri().toString()), dom);
        return Files.readString(dom, StandardCharsets.UTF_8);
    }

    /** A PNG of the page in a window {@code width} × {@code height}. */
    Path screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
        run(List.of("--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(),
            "--hide-scrollbars", page.toUri().toString()), work.resolve("screenshot.out"));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IllegalStateException("chromium wrote no screenshot at " + png + "; its log: "
                + Files.readString(work.resolve("chromium.log")));
        }
        return png;
    }

    private void run(List<String> args, Path stdout) throws IOException, InterruptedException {
        String binary = System.getenv().getOrDefault("SPILLWAY_CHROMIUM", "chromium");
        List<String> command = new ArrayList<>(List.of(binary, "--headless", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--disable-extensions", "--user-data-dir=" + work.resolve("profile").toAbsolutePath()));
        command.addAll(args);
        Path log = work.resolve("chromium.log");
        Process p;
        try {
            p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start '" + binary + "' (Debian's chromium; bin/spillway test "
                + "installs it, or set SPILLWAY_CHROMIUM): " + e.getMessage(), e);
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited " + p.exitValue() + ": " + command + "\n"
                + Files.readString(log));
        }
    }
}
