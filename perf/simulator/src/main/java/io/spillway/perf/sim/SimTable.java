package io.spillway.perf.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints simulator results as a Markdown table (a row per capacity, a column per policy) and writes them as CSV. */
public final class SimTable {
    private SimTable() {
    }

    /** Results in policy order within capacity order, as {@link SimCommand} produces them. */
    public static void markdown(PrintStream out, List<SimResult> results) {
        Map<Long, Map<String, SimResult>> byCapacity = group(results);
        List<String> policies = new ArrayList<>();
        for (SimResult r : results) {
            if (!policies.contains(r.policy())) {
                policies.add(r.policy());
            }
        }
        StringBuilder head = new StringBuilder("| capacity (512-token blocks) | tokens |");
        StringBuilder rule = new StringBuilder("|---:|---:|");
        for (String p : policies) {
            head.append(' ').append(p).append(" |");
            rule.append("---:|");
        }
        out.println(head);
        out.println(rule);
        for (Map.Entry<Long, Map<String, SimResult>> row : byCapacity.entrySet()) {
            long cap = row.getKey();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %,d | %s |", cap,
                tokens(cap * TraceRequest.HASH_BLOCK_TOKENS)));
            double best = -1;
            for (String p : policies) {
                SimResult r = row.getValue().get(p);
                if (r != null && !p.equals("oracle")) {
                    best = Math.max(best, round(r.tokenHitRatio()));
                }
            }
            for (String p : policies) {
                SimResult r = row.getValue().get(p);
                String cell = r == null ? "" : String.format(Locale.ROOT, "%.4f", r.tokenHitRatio());
                if (r != null && !p.equals("oracle") && round(r.tokenHitRatio()) == best) {
                    cell = "**" + cell + "**";
                }
                line.append(' ').append(cell).append(" |");
            }
            out.println(line);
        }
    }

    public static void csv(Path file, List<SimResult> results, int blockTokens) throws IOException {
        StringBuilder sb = new StringBuilder(
            "policy,capacity_512_blocks,block_tokens,hit_tokens,input_tokens,token_hit_ratio,hit_blocks,block_refs,"
                + "block_hit_ratio\n");
        for (SimResult r : results) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%.6f,%d,%d,%.6f%n", r.policy(), r.capacityBlocks(),
                blockTokens, r.hitTokens(), r.inputTokens(), r.tokenHitRatio(), r.hitBlocks(), r.blockRefs(),
                r.blockHitRatio()));
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static Map<Long, Map<String, SimResult>> group(List<SimResult> results) {
        Map<Long, Map<String, SimResult>> byCapacity = new LinkedHashMap<>();
        for (SimResult r : results) {
            byCapacity.computeIfAbsent(r.capacityBlocks(), c -> new LinkedHashMap<>()).put(r.policy(), r);
        }
        return byCapacity;
    }

    private static double round(double ratio) {
        return Math.round(ratio * 10_000) / 10_000.0;
    }

    private static String tokens(long n) {
        if (n >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.0fk", n / 1e3);
    }
}
