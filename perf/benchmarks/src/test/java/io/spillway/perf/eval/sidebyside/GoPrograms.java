package io.spillway.perf.eval.sidebyside;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The Go programs the side-by-side run needs, each built once by its bin/ script (bin/go-tool, the module proxy). */
final class GoPrograms {
    private GoPrograms() {
    }

    /** llm-d-inference-sim v0.10.2 (bin/llm-d-sim). */
    static Path simulator() throws Exception {
        return build("bin/llm-d-sim");
    }

    /** llm-d's EPP over static endpoints (bin/llmd-epp). */
    static Path llmdEpp() throws Exception {
        return build("bin/llmd-epp");
    }

    /** The repository root: the first directory above the working directory with bin/go-tool. */
    static Path root() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isExecutable(root.resolve("bin/go-tool"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("bin/go-tool in no directory above " + Path.of("").toAbsolutePath());
        }
        return root;
    }

    private static Path build(String script) throws Exception {
        Path root = root();
        File err = Files.createTempFile("go-program", ".log").toFile();
        try {
            Process p = new ProcessBuilder(root.resolve(script).toString()).directory(root.toFile()).redirectError(err)
                .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
                throw new IllegalStateException(script + " could not build its program:\n"
                    + Files.readString(err.toPath()));
            }
            return Path.of(out);
        } finally {
            Files.deleteIfExists(err.toPath());
        }
    }
}
