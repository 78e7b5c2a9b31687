package io.spillway.perf.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench sim}: replays a prefix trace (Mooncake's conversation trace by default) through the CPU
 * tier's eviction policy and its alternatives over a sweep of capacities, and prints prefix-hit tokens / input
 * tokens per policy and capacity as a Markdown table ({@code --csv} writes them for machines).
 */
@Command(name = "sim", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Eviction-policy simulator for the CPU tier: prefix-hit tokens / input tokens per policy and "
        + "capacity.", "Policies: w-tinylfu (Caffeine as CpuTier configures it), lru, slru, oracle (unbounded)."})
public final class SimCommand implements Callable<Integer> {
    static final String DEFAULT_TRACE = "../shared/traces/mooncake/conversation_trace.jsonl";

    @Option(names = "--trace", paramLabel = "FILE",
        description = "Mooncake-format JSONL trace (default: " + DEFAULT_TRACE + " from the repository root; "
            + "when missing, a generated shared-prefix workload).")
    Path trace;

    @Option(names = "--capacities", paramLabel = "LIST", split = ",", defaultValue = "1000,4000,16000,64000",
        description = "Capacities in 512-token blocks (default: ${DEFAULT-VALUE}).")
    List<Long> capacities;

    @Option(names = "--policies", paramLabel = "LIST", split = ",", defaultValue = "w-tinylfu,lru,slru,oracle",
        description = "Policies, in column order (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--block-tokens", paramLabel = "N", defaultValue = "512",
        description = "Simulated block: 512 (one per hash id) or a divisor, e.g. 16 (default: ${DEFAULT-VALUE}).")
    int blockTokens;

    @Option(names = "--bytes-per-token", paramLabel = "N", defaultValue = "131072",
        description = "KV bytes per token for the w-tinylfu byte weigher (default: ${DEFAULT-VALUE}, Llama-3-8B "
            + "fp16).")
    int bytesPerToken;

    @Option(names = "--slru-protected", paramLabel = "F", defaultValue = "0.8",
        description = "Protected share of slru's capacity (default: ${DEFAULT-VALUE}).")
    double slruProtected;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
        description = "Seed of the generated workload (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the results as CSV to FILE.")
    Path csv;

    @Override
    public Integer call() throws Exception {
        PrefixReplay replay = new PrefixReplay(blockTokens);
        int blockBytes = Math.multiplyExact(blockTokens, bytesPerToken);
        List<LongFunction<EvictionPolicy>> factories = new ArrayList<>();
        for (String p : policies) {
            factories.add(factory(p, blockBytes));
        }
        Path file = trace != null ? trace : defaultTrace();
        List<TraceRequest> requests;
        if (Files.isRegularFile(file)) {
            requests = MooncakeTrace.read(file);
            System.out.println("trace: " + file + " (" + requests.size() + " requests)");
        } else if (trace != null) {
            throw new IllegalArgumentException("no trace file " + file);
        } else {
            requests = SharedPrefixWorkload.generate(seed);
            System.out.println("trace: " + file + " is missing; using a generated shared-prefix workload (150 groups"
                + " x 5 users, 6,000-token shared context + 1,200-token questions, seed " + seed + ", "
                + requests.size() + " requests)");
        }
        System.out.printf(Locale.ROOT, "simulated block: %d tokens; cells: prefix-hit tokens / input tokens%n%n",
            blockTokens);
        List<SimResult> results = new ArrayList<>();
        for (long cap : capacities) {
            if (cap < 1) {
                throw new IllegalArgumentException("capacity " + cap + " < 1");
            }
            long blocks = replay.blocksFor(cap);
            for (LongFunction<EvictionPolicy> f : factories) {
                SimResult r = replay.replay(requests, f.apply(blocks), blocks);
                results.add(new SimResult(r.policy(), cap, r.hitTokens(), r.inputTokens(), r.hitBlocks(),
                    r.blockRefs()));
            }
        }
        SimTable.markdown(System.out, results);
        if (csv != null) {
            SimTable.csv(csv, results, blockTokens);
            System.out.println("wrote " + csv);
        }
        return 0;
    }

    private LongFunction<EvictionPolicy> factory(String name, int blockBytes) {
        switch (name) {
            case "w-tinylfu":
                return blocks -> new CaffeinePolicy(blocks, blockBytes);
            case "lru":
                return LruPolicy::new;
            case "slru":
                return blocks -> new SlruPolicy(blocks, slruProtected);
            case "oracle":
                return blocks -> new OraclePolicy();
            default:
                throw new IllegalArgumentException("unknown policy '" + name + "' (w-tinylfu, lru, slru, oracle)");
        }
    }

    /** The default trace, from the repository root (found from where this class was loaded), else the cwd. */
    public static Path defaultTrace() {
        return fromRoot(DEFAULT_TRACE);
    }

    /** {@code relative} to the repository root (found from where this class was loaded), else to the cwd. */
    public static Path fromRoot(String relative) {
        try {
            Path classes = Path.of(SimCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = classes.getParent() == null ? null : classes.getParent().getParent();
            root = root == null ? null : root.getParent();
            root = root == null ? null : root.getParent(); // perf/simulator/target/classes -> repository root
            if (root != null && Files.isRegularFile(root.resolve("pom.xml"))) {
                return root.resolve(relative).normalize();
            }
        } catch (Exception e) {
            // fall through to the working directory
        }
        return Path.of(relative).toAbsolutePath().normalize();
    }
}
