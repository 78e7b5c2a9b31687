package io.spillway.key;

import static io.spillway.key.KeyFixtures.randomNamespace;
import static io.spillway.key.KeyFixtures.randomTokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Properties of a chain over tokens alone, over thousands of seeded random namespaces and token sequences. */
class BlockKeyChainPropertyTest {
    private static final int CASES = 2000;

    @Test
    void sameInputGivesSameKeys() {
        Random random = new Random(1);
        for (int c = 0; c < CASES; c++) {
            Namespace ns = randomNamespace(random);
            int[] tokens = randomTokens(random, random.nextInt(300));
            BlockKey[] keys = BlockKeys.chain(ns, tokens);
            Namespace sameFields = ns.toBuilder().build();
            assertArrayEquals(keys, BlockKeys.chain(sameFields, tokens.clone()), ns.toString());
            assertEquals(tokens.length / ns.blockSizeTokens(), keys.length);
        }
    }

    @Test
    void chainOfAPrefixIsAPrefixOfTheChain() {
        Random random = new Random(2);
        for (int c = 0; c < CASES; c++) {
            Namespace ns = randomNamespace(random);
            int[] tokens = randomTokens(random, random.nextInt(300));
            BlockKey[] keys = BlockKeys.chain(ns, tokens);
            int cut = random.nextInt(tokens.length + 1);
            BlockKey[] prefixKeys = BlockKeys.chain(ns, Arrays.copyOf(tokens, cut));
            assertEquals(cut / ns.blockSizeTokens(), prefixKeys.length);
            assertArrayEquals(Arrays.copyOf(keys, prefixKeys.length), prefixKeys, "cut at " + cut + " in " + ns);
        }
    }

    @Test
    void changingATokenChangesTheKeysOfItsBlockAndAfterOnly() {
        Random random = new Random(3);
        for (int c = 0; c < CASES; c++) {
            Namespace ns = randomNamespace(random);
            int blockSize = ns.blockSizeTokens();
            int[] tokens = randomTokens(random, blockSize * (1 + random.nextInt(8)) + random.nextInt(blockSize));
            BlockKey[] before = BlockKeys.chain(ns, tokens);
            int position = random.nextInt(before.length * blockSize);
            tokens[position] = (tokens[position] + 1 + random.nextInt(1000)) % KeyFixtures.LLAMA3_VOCAB;
            BlockKey[] after = BlockKeys.chain(ns, tokens);
            int changedBlock = position / blockSize;
            for (int j = 0; j < before.length; j++) {
                if (j < changedBlock) {
                    assertEquals(before[j], after[j], "block " + j + " before changed block " + changedBlock);
                } else {
                    assertNotEquals(before[j], after[j], "block " + j + " from changed block " + changedBlock);
                }
            }
        }
    }

    @Test
    void tokensOfATrailingPartialBlockDoNotMatter() {
        Random random = new Random(4);
        for (int c = 0; c < CASES; c++) {
            Namespace ns = randomNamespace(random);
            int blockSize = ns.blockSizeTokens();
            if (blockSize == 1) {
                continue;
            }
            int full = random.nextInt(5);
            int[] a = randomTokens(random, full * blockSize + 1 + random.nextInt(blockSize - 1));
            int[] b = a.clone();
            b[b.length - 1] ^= 1;
            assertEquals(full, BlockKeys.chain(ns, a).length);
            assertArrayEquals(BlockKeys.chain(ns, a), BlockKeys.chain(ns, b));
        }
    }

    @Test
    void continuingFromAParentEqualsTheTailOfTheWholeChain() {
        Random random = new Random(5);
        for (int c = 0; c < CASES; c++) {
            Namespace ns = randomNamespace(random);
            int blockSize = ns.blockSizeTokens();
            int[] tokens = randomTokens(random, random.nextInt(20 * blockSize));
            RequestExtras extras = ExtraKeysTest.randomExtras(random, tokens.length);
            BlockKey[] whole = BlockKeys.chain(ns, tokens, extras);
            int from = random.nextInt(whole.length + 1);
            BlockKey parent = from == 0 ? ns.id() : whole[from - 1];
            BlockKey[] tail = BlockKeys.chain(parent, tokens, from * blockSize, blockSize, extras);
            assertArrayEquals(Arrays.copyOfRange(whole, from, whole.length), tail, "from block " + from);
        }
    }

    @Test
    void nextBlockByBlockEqualsChain() {
        Random random = new Random(6);
        for (int c = 0; c < CASES; c++) {
            Namespace ns = randomNamespace(random);
            int blockSize = ns.blockSizeTokens();
            int[] tokens = randomTokens(random, random.nextInt(10 * blockSize));
            RequestExtras extras = ExtraKeysTest.randomExtras(random, tokens.length);
            BlockKey[] keys = BlockKeys.chain(ns, tokens, extras);
            BlockKey parent = ns.id();
            for (int j = 0; j < keys.length; j++) {
                parent = BlockKeys.next(parent, tokens, j * blockSize, blockSize, extras.forBlock(j, blockSize));
                assertEquals(keys[j], parent, "block " + j);
            }
        }
    }

    @Test
    void swappingTwoDifferentTokensOfABlockChangesItsKey() {
        Random random = new Random(7);
        Namespace ns = KeyFixtures.llama3();
        for (int c = 0; c < CASES; c++) {
            int[] tokens = randomTokens(random, 16);
            int i = random.nextInt(16);
            int j = (i + 1 + random.nextInt(15)) % 16;
            if (tokens[i] == tokens[j]) {
                continue;
            }
            BlockKey before = BlockKeys.chain(ns, tokens)[0];
            int t = tokens[i];
            tokens[i] = tokens[j];
            tokens[j] = t;
            assertNotEquals(before, BlockKeys.chain(ns, tokens)[0]);
        }
    }

    @Test
    void distinctBlocksGetDistinctKeysAcrossManyChains() {
        Random random = new Random(8);
        Namespace ns = Namespace.builder().modelId("m").blockSizeTokens(2).layers(1).kvHeads(1).headDim(1).build();
        Set<BlockKey> seen = new HashSet<>();
        seen.add(ns.id());
        int blocks = 0;
        for (int c = 0; c < 5000; c++) {
            // tiny vocabulary and 2-token blocks: the same block contents recur under different parents
            int[] tokens = new int[2 * (1 + random.nextInt(10))];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(4);
            }
            tokens[0] = c; // a distinct first token, so no two chains share a prefix
            for (BlockKey key : BlockKeys.chain(ns, tokens)) {
                assertTrue(seen.add(key), "collision at " + key);
                blocks++;
            }
        }
        assertEquals(blocks + 1, seen.size());
    }

    @Test
    void threadsHashIndependently() throws Exception {
        Random random = new Random(9);
        Namespace[] namespaces = new Namespace[200];
        int[][] tokens = new int[200][];
        BlockKey[][] expected = new BlockKey[200][];
        for (int i = 0; i < 200; i++) {
            namespaces[i] = randomNamespace(random);
            tokens[i] = randomTokens(random, random.nextInt(2000));
            expected[i] = BlockKeys.chain(namespaces[i], tokens[i]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?>[] futures = new Future<?>[4];
            for (int t = 0; t < 4; t++) {
                int start = t;
                futures[t] = pool.submit(() -> {
                    for (int round = 0; round < 5; round++) {
                        for (int k = 0; k < 200; k++) {
                            int i = (k * 7 + start * 13 + round) % 200;
                            assertArrayEquals(expected[i], BlockKeys.chain(namespaces[i], tokens[i]));
                        }
                    }
                });
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
