package io.spillway.perf.eval;

import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.ExtraKeys;
import io.spillway.key.Namespace;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The blocks of a workload: each has a dense int id (what the simulator's caches hold) and its real block key
 * (docs/block-keys.md, what the router's index holds), computed once through kv-client from deterministic token
 * ids. A trace block ({@code traceBlockTokens} tokens, e.g. Mooncake's 512) named by a prefix-hash id {@code h} is
 * {@code traceBlockTokens / 16} blocks of 16 tokens, ids {@code h * perTraceBlock + j}; since equal trace ids mean
 * the same prefix, block j of trace id h has one key whatever request it appears in.
 */
public final class BlockSpace {
    public static final int TOKENS_PER_BLOCK = 16;

    private final Namespace namespace;
    private final int perTraceBlock;
    private long[] his = new long[1024];
    private long[] los = new long[1024];
    private boolean[] known = new boolean[1024];
    private final int[] tokens;

    /** @param traceBlockTokens tokens per trace block, a multiple of {@link #TOKENS_PER_BLOCK} */
    public BlockSpace(Namespace namespace, int traceBlockTokens) {
        if (traceBlockTokens < TOKENS_PER_BLOCK || traceBlockTokens % TOKENS_PER_BLOCK != 0) {
            throw new IllegalArgumentException("trace blocks must be a multiple of " + TOKENS_PER_BLOCK
                + " tokens, got " + traceBlockTokens);
        }
        this.namespace = namespace;
        this.perTraceBlock = traceBlockTokens / TOKENS_PER_BLOCK;
        this.tokens = new int[TOKENS_PER_BLOCK];
    }

    public int perTraceBlock() {
        return perTraceBlock;
    }

    /** The high word of block {@code id}'s key. */
    public long hi(int id) {
        return his[id];
    }

    public long lo(int id) {
        return los[id];
    }

    /** Block ids up to this one have been given keys (an upper bound on ids in use). */
    public int idLimit() {
        return known.length;
    }

    /**
     * The full 16-token blocks of a prompt of {@code inputTokens} tokens named by trace ids {@code traceIds}, their
     * keys computed on first sight (each block's parent is the block before it in the prompt).
     */
    public int[] blocksOf(int[] traceIds, int inputTokens) {
        int full = inputTokens / TOKENS_PER_BLOCK;
        int[] blocks = new int[full];
        BlockKey parent = BlockKeys.namespaceRoot(namespace);
        for (int b = 0; b < full; b++) {
            int trace = traceIds[b / perTraceBlock];
            int id = Math.multiplyExact(trace, perTraceBlock) + b % perTraceBlock;
            grow(id);
            if (!known[id]) {
                fillTokens(id);
                BlockKey key = BlockKeys.next(parent, tokens, 0, TOKENS_PER_BLOCK, ExtraKeys.NONE);
                his[id] = key.hi();
                los[id] = key.lo();
                known[id] = true;
            }
            parent = new BlockKey(his[id], los[id]);
            blocks[b] = id;
        }
        return blocks;
    }

    /**
     * Ids for keys computed elsewhere (a rendered chat prompt's chain): each key gets the next free id the first time
     * it is seen, so equal keys, whoever computed them, share an id. Not to be mixed with {@link #blocksOf} in one
     * space, whose ids follow from trace ids.
     */
    public int[] blocksOf(BlockKey[] keys) {
        int[] ids = new int[keys.length];
        for (int b = 0; b < keys.length; b++) {
            Integer id = byKey.get(keys[b]);
            if (id == null) {
                id = byKey.size();
                byKey.put(keys[b], id);
                grow(id);
                his[id] = keys[b].hi();
                los[id] = keys[b].lo();
                known[id] = true;
            }
            ids[b] = id;
        }
        return ids;
    }

    private final Map<BlockKey, Integer> byKey = new HashMap<>();

    /**
     * A request's prompt as token ids: its full blocks' tokens, then {@code inputTokens} minus those filled with
     * tokens drawn from {@code seed} (the partial block no key names).
     */
    public int[] tokensOf(SimRequest request, long seed) {
        int[] prompt = new int[request.inputTokens()];
        int[] block = new int[TOKENS_PER_BLOCK];
        int[] ids = request.blocks();
        for (int b = 0; b < ids.length; b++) {
            fill(ids[b], block);
            System.arraycopy(block, 0, prompt, b * TOKENS_PER_BLOCK, TOKENS_PER_BLOCK);
        }
        SplittableRandom rest = new SplittableRandom(seed);
        for (int t = ids.length * TOKENS_PER_BLOCK; t < prompt.length; t++) {
            prompt[t] = rest.nextInt(128_000);
        }
        return prompt;
    }

    /**
     * A request's prompt as text: four characters a token of {@link #tokensOf}, so that a tokenizer of a token per 4
     * characters (the router's approximate one, the simulated pods') sees a block per 64 characters and equal blocks
     * as equal text.
     */
    public String textOf(SimRequest request, long seed) {
        int[] tokens = tokensOf(request, seed);
        char[] text = new char[tokens.length * 4];
        for (int t = 0; t < tokens.length; t++) {
            int v = tokens[t];
            for (int c = 0; c < 4; c++) {
                text[t * 4 + c] = ALPHABET.charAt(v & 31);
                v >>>= 5;
            }
        }
        return new String(text);
    }

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz012345";

    /** Deterministic token ids of block {@code id} (in a 128k vocabulary, as Llama 3's). */
    private void fillTokens(int id) {
        fill(id, tokens);
    }

    private static void fill(int id, int[] tokens) {
        long state = id * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < TOKENS_PER_BLOCK; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            tokens[i] = (int) (((z ^ (z >>> 31)) >>> 1) % 128_000);
        }
    }

    private void grow(int id) {
        if (id >= known.length) {
            int size = Math.max(id + 1, known.length * 2);
            his = Arrays.copyOf(his, size);
            los = Arrays.copyOf(los, size);
            known = Arrays.copyOf(known, size);
        }
    }
}
