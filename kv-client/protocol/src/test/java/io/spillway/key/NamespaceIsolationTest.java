package io.spillway.key;

import static io.spillway.key.KeyFixtures.llama3;
import static io.spillway.key.KeyFixtures.randomNamespace;
import static io.spillway.key.KeyFixtures.randomText;
import static io.spillway.key.KeyFixtures.randomTokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Blocks of different namespaces never match: every field, tenant and the tensor- and pipeline-parallel ranks included, enters the root. */
class NamespaceIsolationTest {
    /** One mutation per field, each giving a different but valid namespace (tpSize and ppSize 8 keep every rank valid). */
    private static final List<UnaryOperator<Namespace.Builder>> ONE_FIELD_CHANGES = List.of(
        b -> b.tenant("globex"),
        b -> b.modelId("meta-llama/Meta-Llama-3-8B"),
        b -> b.loraAdapter("sql"),
        b -> b.dtype("float16"),
        b -> b.blockSizeTokens(32),
        b -> b.layers(33),
        b -> b.kvHeads(4),
        b -> b.headDim(64),
        b -> b.tpSize(4),
        b -> b.tpRank(1),
        b -> b.ppSize(4),
        b -> b.ppRank(1),
        b -> b.layout("HND"));

    private static Namespace.Builder base() {
        return llama3().toBuilder().tpSize(8).tpRank(0).ppSize(8).ppRank(0);
    }

    @Test
    void changingAnyOneFieldChangesTheRootAndEveryBlockKey() {
        int[] tokens = randomTokens(new Random(20), 128);
        Namespace base = base().build();
        Set<BlockKey> roots = new HashSet<>();
        Set<BlockKey> blockKeys = new HashSet<>();
        roots.add(base.id());
        List<BlockKey> baseKeys = List.of(BlockKeys.chain(base, tokens));
        blockKeys.addAll(baseKeys);
        for (UnaryOperator<Namespace.Builder> change : ONE_FIELD_CHANGES) {
            Namespace ns = change.apply(base()).build();
            assertNotEquals(base, ns);
            assertTrue(roots.add(ns.id()), "root of " + ns + " repeats another namespace's");
            for (BlockKey key : BlockKeys.chain(ns, tokens)) {
                assertTrue(blockKeys.add(key), "a block key of " + ns + " matches another namespace's");
            }
        }
        assertEquals(ONE_FIELD_CHANGES.size() + 1, roots.size());
    }

    @Test
    void randomOneFieldChangesNeverCollide() {
        Random random = new Random(21);
        int[] tokens = randomTokens(random, 64);
        for (int c = 0; c < 5000; c++) {
            Namespace ns = randomNamespace(random);
            Namespace other = changeOneField(random, ns);
            if (other.equals(ns)) {
                continue;
            }
            assertNotEquals(ns.id(), other.id(), ns + " vs " + other);
            BlockKey[] a = BlockKeys.chain(ns.id(), tokens, 0, 4, RequestExtras.NONE);
            BlockKey[] b = BlockKeys.chain(other.id(), tokens, 0, 4, RequestExtras.NONE);
            for (int j = 0; j < a.length; j++) {
                assertNotEquals(a[j], b[j], "block " + j + " of " + ns + " vs " + other);
            }
        }
    }

    @Test
    void largeRandomSampleHasOneRootPerDistinctNamespace() {
        Random random = new Random(22);
        Map<BlockKey, Namespace> byRoot = new HashMap<>();
        Set<Namespace> distinct = new HashSet<>();
        for (int c = 0; c < 50_000; c++) {
            Namespace ns = randomNamespace(random);
            distinct.add(ns);
            Namespace earlier = byRoot.putIfAbsent(ns.id(), ns);
            if (earlier != null) {
                assertEquals(earlier, ns, "two namespaces share the root " + ns.id());
            }
        }
        assertEquals(distinct.size(), byRoot.size());
        assertTrue(distinct.size() > 40_000, "the sample should be mostly distinct, was " + distinct.size());
    }

    @Test
    void fieldBoundariesAreUnambiguous() {
        assertNotEquals(base().tenant("ab").modelId("c").build().id(), base().tenant("a").modelId("bc").build().id());
        assertNotEquals(base().loraAdapter("x").dtype("yz").build().id(),
            base().loraAdapter("xy").dtype("z").build().id());
        assertNotEquals(base().loraAdapter("").dtype("xbf16").build().id(),
            base().loraAdapter("x").dtype("bf16").build().id());
        assertNotEquals(base().layers(1).kvHeads(2).build().id(), base().layers(2).kvHeads(1).build().id());
    }

    @Test
    void sameModelUnderAnotherTenantSharesNoBlockKey() {
        int[] tokens = randomTokens(new Random(23), 1024);
        Set<BlockKey> acme = new HashSet<>(List.of(BlockKeys.chain(llama3(), tokens)));
        for (BlockKey key : BlockKeys.chain(llama3().toBuilder().tenant("globex").build(), tokens)) {
            assertTrue(!acme.contains(key), "tenant globex reuses acme's block key " + key);
        }
    }

    @Test
    void idIsTheNamespaceRootAndIsComputedOnce() {
        Namespace ns = llama3();
        assertEquals(BlockKeys.namespaceRoot(ns), ns.id());
        assertSame(ns.id(), ns.id());
    }

    private static Namespace changeOneField(Random random, Namespace ns) {
        Namespace.Builder b = ns.toBuilder();
        switch (random.nextInt(13)) {
            case 0 -> b.tenant(randomText(random, 1));
            case 1 -> b.modelId(randomText(random, 1));
            case 2 -> b.loraAdapter(randomText(random, 0));
            case 3 -> b.dtype(randomText(random, 1));
            case 4 -> b.blockSizeTokens(1 + random.nextInt(64));
            case 5 -> b.layers(1 + random.nextInt(80));
            case 6 -> b.kvHeads(1 + random.nextInt(16));
            case 7 -> b.headDim(1 + random.nextInt(256));
            case 8 -> b.tpSize(ns.tpRank() + 1 + random.nextInt(8));
            case 9 -> b.tpRank(random.nextInt(ns.tpSize()));
            case 10 -> b.ppSize(ns.ppRank() + 1 + random.nextInt(8));
            case 11 -> b.ppRank(random.nextInt(ns.ppSize()));
            default -> b.layout(randomText(random, 1));
        }
        return b.build();
    }
}
