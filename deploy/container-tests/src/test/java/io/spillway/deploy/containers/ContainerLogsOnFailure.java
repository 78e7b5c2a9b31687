package io.spillway.deploy.containers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Attaches the containers' logs to a failure: prints the last lines of every log the test saved under
 * target/container-logs/CLASS/ (see {@link ContainerSupport#saveLogsAndClose}); the whole logs stay there.
 */
final class ContainerLogsOnFailure implements TestWatcher {
    private static final int TAIL = 80;

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        Path dir = ContainerSupport.LOGS.resolve(context.getRequiredTestClass().getSimpleName());
        if (!Files.isDirectory(dir)) {
            System.out.println("container logs: none saved under " + dir);
            return;
        }
        try (Stream<Path> logs = Files.list(dir)) {
            for (Path log : logs.sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                System.out.printf("===== %s (last %d of %d lines; whole log: %s) =====%n", log.getFileName(),
                    Math.min(TAIL, lines.size()), lines.size(), log);
                lines.subList(Math.max(0, lines.size() - TAIL), lines.size()).forEach(System.out::println);
            }
        } catch (IOException e) {
            System.out.println("container logs: " + e);
        }
    }
}
