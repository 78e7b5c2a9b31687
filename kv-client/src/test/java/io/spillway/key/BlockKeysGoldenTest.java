package io.spillway.key;

import static io.spillway.key.KeyFixtures.hex;
import static io.spillway.key.KeyFixtures.llama3;
import static io.spillway.key.KeyFixtures.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Golden vectors printed by the independent reference implementation
 * ({@code python3 kv-client/src/test/python/block_keys_reference.py}); each test is one of its cases, same name.
 * A failure here means the Java encoding no longer matches docs/block-keys.md: fix the code, not these values.
 */
class BlockKeysGoldenTest {
    private static final String LLAMA3_ROOT = "4aeabe7306529c86a20eeec0877d4c8d";
    private static final RequestExtras MULTIMODAL = RequestExtras.builder()
        .multimodal("🖼-img-2", 40, 8).multimodal("a1b2c3d4e5f60718", 5, 20).build();

    @Test
    void workedExample() {
        Namespace ns = Namespace.builder().tenant("t").modelId("m").dtype("bf16").blockSizeTokens(2).layers(1)
            .kvHeads(1).headDim(1).build();
        assertEquals("d1dbac6e8169d2a750fb40319b918db0", ns.id().toHex());
        assertArrayEquals(new String[] {"ae3d0abdf46969ad157c9a58dc780a18"}, hex(BlockKeys.chain(ns, new int[] {1, 2, 3})));
    }

    @Test
    void llama3Root() {
        assertEquals(LLAMA3_ROOT, BlockKeys.namespaceRoot(llama3()).toHex());
        assertEquals(LLAMA3_ROOT, llama3().id().toHex());
    }

    @Test
    void llama3TwoBlocksAndPartial() {
        assertArrayEquals(new String[] {"8c442cd3bf9b46d75fa60eec07abd2cf", "b06b58a131cb6ed78964a980e74c8986"},
            hex(BlockKeys.chain(llama3(), tokens(40, 1))));
    }

    @Test
    void llama3OtherTenant() {
        Namespace ns = llama3().toBuilder().tenant("globex").build();
        assertEquals("b9f908a0e44401b1698f92a0816ca0fa", ns.id().toHex());
        assertArrayEquals(new String[] {"1836210f58806d3e0f889e2072b7635c", "ee94e62cc53db881ee42eb49c015ae6f"},
            hex(BlockKeys.chain(ns, tokens(40, 1))));
    }

    @Test
    void llama3Tp4Rank3() {
        Namespace ns = llama3().toBuilder().tpSize(4).tpRank(3).kvHeads(2).build();
        assertEquals("a262c3189d002c93c4fdcbabca57a0bc", ns.id().toHex());
        assertArrayEquals(new String[] {"b62d2d8932c10ad3402c0b4ed5aff56e", "41bf28ed06c5503ab465a217dc98199d"},
            hex(BlockKeys.chain(ns, tokens(40, 1))));
    }

    @Test
    void unicodeNamespaceThreeBlocks() {
        Namespace ns = Namespace.builder().tenant("café-租户").modelId("模型/ünïcødé-🦙").loraAdapter("ñ-adapter")
            .dtype("float16").blockSizeTokens(4).layers(2).kvHeads(2).headDim(64).tpSize(2).tpRank(1).layout("HND")
            .build();
        assertEquals("24ff5968ece83704ec9acf93c89f655e", ns.id().toHex());
        assertArrayEquals(new String[] {"60d80035c858423cd4f6238c1e956181", "951c797df16262e3594c2fb55d7cfdb8",
            "0ce4404b83523300af485c9257c45691"}, hex(BlockKeys.chain(ns, tokens(14, 2))));
    }

    @Test
    void lora() {
        RequestExtras extras = RequestExtras.builder().lora("sql-adapter-ü").build();
        assertArrayEquals(new String[] {"ff7c07fb71fe35279541f380f45becfa", "f809bbf4d4083941c4a88cd74d7c965a",
            "85fe64318a9aa572f7bc7c1a1efadbfc"}, hex(BlockKeys.chain(llama3(), tokens(48, 3), extras)));
    }

    @Test
    void cacheSalt() {
        RequestExtras extras = RequestExtras.builder().cacheSalt("s3cr3t-盐").build();
        assertArrayEquals(new String[] {"7b632b20e43cbf70e49b5fcdf9b4b85e", "35114f8ea0f935ba3bb63d07706bfcaf",
            "dbbe0af0c4b9979c3e300acc4163299d"}, hex(BlockKeys.chain(llama3(), tokens(48, 3), extras)));
    }

    @Test
    void multimodal() {
        assertArrayEquals(new String[] {"577277024b1d0eac123351cbb45dbc1f", "f39efb315eb81a622f6f2873f5d574cf",
            "52a18a2267b4e524911a6a55152be416", "d9e417b4777144778f233cd3b13fa5f6"},
            hex(BlockKeys.chain(llama3(), tokens(64, 4), MULTIMODAL)));
    }

    @Test
    void allExtras() {
        RequestExtras extras = RequestExtras.builder().cacheSalt("s3cr3t-盐").multimodal("a1b2c3d4e5f60718", 5, 20)
            .lora("sql-adapter-ü").multimodal("🖼-img-2", 40, 8).build();
        assertArrayEquals(new String[] {"0f4b4ac9f0f669b207749a24035fc96d", "5a6d75e6b7fd533ae2fbab3110d4b133",
            "bdfa69b9a174e611a7efbfe9d5732f87", "79c128fedc9e154c8f6b581be5565261"},
            hex(BlockKeys.chain(llama3(), tokens(64, 4), extras)));
    }

    @Test
    void multimodalStepByStepWithNextMatchesChain() {
        int[] tokens = tokens(64, 4);
        BlockKey parent = llama3().id();
        String[] keys = new String[4];
        for (int j = 0; j < 4; j++) {
            parent = BlockKeys.next(parent, tokens, 16 * j, 16, MULTIMODAL.forBlock(j, 16));
            keys[j] = parent.toHex();
        }
        assertArrayEquals(new String[] {"577277024b1d0eac123351cbb45dbc1f", "f39efb315eb81a622f6f2873f5d574cf",
            "52a18a2267b4e524911a6a55152be416", "d9e417b4777144778f233cd3b13fa5f6"}, keys);
    }
}
