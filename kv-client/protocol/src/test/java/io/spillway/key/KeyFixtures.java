package io.spillway.key;

import java.util.Random;

/** Namespaces and token sequences shared by the key tests; the golden ones mirror block_keys_reference.py. */
final class KeyFixtures {
    static final int LLAMA3_VOCAB = 128256;

    private KeyFixtures() {
    }

    /** Meta-Llama-3-8B-Instruct, bf16, 16-token blocks, no tensor parallelism, tenant "acme". */
    static Namespace llama3() {
        return Namespace.builder().tenant("acme").modelId("meta-llama/Meta-Llama-3-8B-Instruct").dtype("bfloat16")
            .blockSizeTokens(16).layers(32).kvHeads(8).headDim(128).build();
    }

    /** Same token ids as the reference script's {@code tokens(n, seed)}. */
    static int[] tokens(int n, int seed) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (int) (((long) seed * 1_000_003L + (long) i * 7919L) % LLAMA3_VOCAB);
        }
        return t;
    }

    static int[] randomTokens(Random random, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = random.nextInt(LLAMA3_VOCAB);
        }
        return t;
    }

    /** A random valid namespace: short strings from a small alphabet (so near-misses are common) and small ints. */
    static Namespace randomNamespace(Random random) {
        int tpSize = 1 + random.nextInt(8);
        int ppSize = 1 + random.nextInt(4);
        return Namespace.builder().tenant(randomText(random, 1)).modelId(randomText(random, 1))
            .loraAdapter(randomText(random, 0)).dtype(randomText(random, 1)).blockSizeTokens(1 + random.nextInt(64))
            .layers(1 + random.nextInt(80)).kvHeads(1 + random.nextInt(16)).headDim(1 + random.nextInt(256))
            .tpSize(tpSize).tpRank(random.nextInt(tpSize)).ppSize(ppSize).ppRank(random.nextInt(ppSize))
            .layout(randomText(random, 1)).build();
    }

    /** 0..3 more characters than {@code minLength}, from "ab", "é" and "租". */
    static String randomText(Random random, int minLength) {
        String alphabet = "abé租";
        int length = minLength + random.nextInt(4);
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static String[] hex(BlockKey[] keys) {
        String[] h = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            h[i] = keys[i].toHex();
        }
        return h;
    }
}
