package io.spillway.perf.eval.sidebyside;

import io.spillway.perf.sim.MooncakeTrace;
import io.spillway.perf.sim.TraceRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mooncake trace rows as prompt text for llm-d-inference-sim's word tokenizer: each trace block id (512 tokens in the
 * trace) becomes {@code tokensPerHashId} words drawn from a generator seeded by the id, so equal ids are equal text
 * and a shared prefix of ids is a shared prefix of text and of tokens. Every word is three characters and a space:
 * one token of the sim's tokenizer and four characters, the characters per token GIE's approximate prefix scorer
 * assumes, so both routers see the same 16-token blocks. The last trace block is cut to the row's length, scaled.
 */
final class TracePrompts {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private TracePrompts() {
    }

    /** One replayed request: when it arrives (ms after the first, already scaled) and its prompt. */
    record Request(long atMillis, String prompt, int tokens) {
    }

    /**
     * Rows {@code from} (inclusive) to {@code to} (exclusive) of a trace, arrivals divided by {@code timeScale}.
     */
    static List<Request> of(List<MooncakeTrace.Row> rows, int from, int to, int tokensPerHashId, double timeScale) {
        if (from < 0 || to > rows.size() || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside the trace's " + rows.size());
        }
        if (tokensPerHashId < 1 || tokensPerHashId > TraceRequest.HASH_BLOCK_TOKENS || !(timeScale > 0)) {
            throw new IllegalArgumentException("tokensPerHashId " + tokensPerHashId + " (1 to 512), timeScale "
                + timeScale + " (> 0)");
        }
        long t0 = rows.get(from).timestampMillis();
        List<Request> out = new ArrayList<>();
        for (int r = from; r < to; r++) {
            MooncakeTrace.Row row = rows.get(r);
            int[] ids = row.hashIds();
            StringBuilder text = new StringBuilder();
            int tokens = 0;
            for (int b = 0; b < ids.length; b++) {
                int traceTokens = Math.min(TraceRequest.HASH_BLOCK_TOKENS,
                    row.inputTokens() - b * TraceRequest.HASH_BLOCK_TOKENS);
                int words = Math.max(1, (int) Math.ceil((double) traceTokens * tokensPerHashId
                    / TraceRequest.HASH_BLOCK_TOKENS));
                appendWords(text, ids[b], words);
                tokens += words;
            }
            out.add(new Request(Math.round((row.timestampMillis() - t0) / timeScale), text.toString().strip(), tokens));
        }
        return out;
    }

    /** The first {@code words} words of trace block {@code id}. */
    static void appendWords(StringBuilder text, long id, int words) {
        SplittableRandom r = new SplittableRandom(id * 0x9E3779B97F4A7C15L + 12345);
        for (int w = 0; w < words; w++) {
            for (int c = 0; c < 3; c++) {
                text.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
            }
            text.append(' ');
        }
    }
}
