package io.spillway.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.Main;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code bin/spillway bench jmh [regex] [jmh options]}: runs the JMH microbenchmarks of this module
 * ({@code io.spillway.perf.jmh}) through JMH's own runner; everything after {@code jmh} goes to it unchanged
 * (e.g. {@code -f 1 -wi 2 -i 3}, {@code -l} to list).
 */
@Command(name = "jmh", description = {"JMH microbenchmarks: key hashing, frame codec, tier-cpu put/get.",
    "Arguments go to JMH unchanged: [regex] -f 1 -wi 2 -i 3 -l ..."})
public final class JmhCommand implements Callable<Integer> {
    @Unmatched
    List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Main.main(jmhArgs.toArray(String[]::new));
        return 0;
    }
}
