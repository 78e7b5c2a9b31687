package io.spillway.key;

import static io.spillway.key.KeyFixtures.hex;
import static io.spillway.key.KeyFixtures.llama3;
import static io.spillway.key.KeyFixtures.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors printed by the independent reference implementation
 * ({@code python3 kv-client/protocol/src/test/python/block_keys_reference.py}); each test is one of its cases, same name,
 * and {@link #referenceImplementationAgreesOnEveryCase} runs the script and compares every key it prints. A failure
 * here means the Java encoding no longer matches docs/block-keys.md: fix the code, not these values.
 */
class BlockKeysGoldenTest {
    private static final String LLAMA3_ROOT = "ef8b8d4fcb089c965a83241d29201711";
    private static final RequestExtras MULTIMODAL = RequestExtras.builder()
        .multimodal("🖼-img-2", 40, 8).multimodal("a1b2c3d4e5f60718", 5, 20).build();
    private static final String[] MULTIMODAL_KEYS = {"251cad3770ec2c9a6af674831aaf4755",
        "5524d562c09b7af8ea9d5ce9b0380243", "d7e0c5e8735dd4dcb2d443d9840c6a80", "cb9cafd9ae237d2de3e0663985f76077"};

    @Test
    void workedExample() {
        assertEquals("54b8340a3502c530849b495711b821ca", worked().id().toHex());
        assertArrayEquals(new String[] {"688b0e06ef2d5a1cc5deb2d2e25dcd2c"},
            hex(BlockKeys.chain(worked(), new int[] {1, 2, 3})));
    }

    @Test
    void llama3Root() {
        assertEquals(LLAMA3_ROOT, BlockKeys.namespaceRoot(llama3()).toHex());
        assertEquals(LLAMA3_ROOT, llama3().id().toHex());
    }

    @Test
    void llama3TwoBlocksAndPartial() {
        assertArrayEquals(new String[] {"d84392caeb125af05b3e7abbb1e5321f", "1cde97a772ff559c733e7730c7576f9f"},
            hex(BlockKeys.chain(llama3(), tokens(40, 1))));
    }

    @Test
    void llama3OtherTenant() {
        assertEquals("f2160df27bf1dbcbc8c02563af2217bf", otherTenant().id().toHex());
        assertArrayEquals(new String[] {"2266dabcf4eeece936f24c617074e5b3", "a9dbf598ae9aa5f838678889f1fce1f8"},
            hex(BlockKeys.chain(otherTenant(), tokens(40, 1))));
    }

    @Test
    void llama3Tp4Rank3() {
        assertEquals("c1963d3ba97506df40076e73e07e51bb", tp4Rank3().id().toHex());
        assertArrayEquals(new String[] {"8f3bfdbb62d7232a7976cf12750f4224", "cf8402da73f85c9c3104bfeb452fd8a0"},
            hex(BlockKeys.chain(tp4Rank3(), tokens(40, 1))));
    }

    @Test
    void llama3Pp2Stage1() {
        assertEquals("b75737a20f06b68b16cc94aef4d135e0", pp2Stage1().id().toHex());
        assertArrayEquals(new String[] {"e10c8249eec0a803cfe4581d81464a42", "843d996acd5264313395a4fdfb17102f"},
            hex(BlockKeys.chain(pp2Stage1(), tokens(40, 1))));
    }

    @Test
    void unicodeNamespaceThreeBlocks() {
        assertEquals("8d22f8ca3dca06904eefd37c1224ff98", unicode().id().toHex());
        assertArrayEquals(new String[] {"84fdf79941bddc4734ac9e5cd8d57b9a", "ec15f061376c4fe320feacaa74ade0cb",
            "7c101940ef14b623d12694f472cfbdfa"}, hex(BlockKeys.chain(unicode(), tokens(14, 2))));
    }

    @Test
    void lora() {
        assertArrayEquals(new String[] {"0b4da79b1e5470091bd929772de95e0c", "f8ad0aaa909ff685be24001bb992cb81",
            "e88ccae5920ef62fc82893542fa09ac9"}, hex(BlockKeys.chain(llama3(), tokens(48, 3), loraExtras())));
    }

    @Test
    void cacheSalt() {
        assertArrayEquals(new String[] {"4ea4164ab51620def7b85cdeb233b505", "c820c19378ae4b403e4fc6cdca786df6",
            "21196a716713bf5b6935b100dd65b9ee"}, hex(BlockKeys.chain(llama3(), tokens(48, 3), saltExtras())));
    }

    @Test
    void multimodal() {
        assertArrayEquals(MULTIMODAL_KEYS, hex(BlockKeys.chain(llama3(), tokens(64, 4), MULTIMODAL)));
    }

    @Test
    void allExtras() {
        assertArrayEquals(new String[] {"2e5d21a883b7fef6e7988a552b7eab47", "1eaf7e9bf1fae239f2f16130828a8750",
            "936457ebc9c11b09bf39925641a351ec", "69f4c743d0b51e6d31f13d10f2bf156f"},
            hex(BlockKeys.chain(llama3(), tokens(64, 4), allExtrasInAnyOrder())));
    }

    @Test
    void promptEmbeds() {
        assertArrayEquals(new String[] {"8b9165c9d8aba01f739ca9b3a4f5adcb", "aa5e90607fd4c29dbcede6c2487f143b",
            "98c2c36c307701b6534ad5cd634ee18a"}, hex(BlockKeys.chain(llama3(), tokens(48, 5), embeds(null, null))));
    }

    @Test
    void promptEmbedsWithLoraAndSalt() {
        assertArrayEquals(new String[] {"1274b4259794825971943ffa34475d2d", "d86cde280b43ad2006df8314b848df93",
            "d0f63308fb184d1eef107317c035a360"},
            hex(BlockKeys.chain(llama3(), tokens(48, 5), embeds("sql-adapter-ü", "s3cr3t-盐"))));
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
        assertArrayEquals(MULTIMODAL_KEYS, keys);
    }

    /** Every line the reference prints ({@code case: root=...}, {@code case: k[i]=...}) equals the Java key. */
    @Test
    void referenceImplementationAgreesOnEveryCase() throws Exception {
        Map<String, String> java = new LinkedHashMap<>();
        javaCase(java, "workedExample", worked(), new int[] {1, 2, 3}, RequestExtras.NONE);
        javaCase(java, "llama3Root", llama3(), tokens(0, 0), RequestExtras.NONE);
        javaCase(java, "llama3TwoBlocksAndPartial", llama3(), tokens(40, 1), RequestExtras.NONE);
        javaCase(java, "llama3OtherTenant", otherTenant(), tokens(40, 1), RequestExtras.NONE);
        javaCase(java, "llama3Tp4Rank3", tp4Rank3(), tokens(40, 1), RequestExtras.NONE);
        javaCase(java, "unicodeNamespaceThreeBlocks", unicode(), tokens(14, 2), RequestExtras.NONE);
        javaCase(java, "lora", llama3(), tokens(48, 3), loraExtras());
        javaCase(java, "cacheSalt", llama3(), tokens(48, 3), saltExtras());
        javaCase(java, "multimodal", llama3(), tokens(64, 4), MULTIMODAL);
        javaCase(java, "allExtras", llama3(), tokens(64, 4), allExtrasInAnyOrder());
        javaCase(java, "llama3Pp2Stage1", pp2Stage1(), tokens(40, 1), RequestExtras.NONE);
        javaCase(java, "promptEmbeds", llama3(), tokens(48, 5), embeds(null, null));
        javaCase(java, "promptEmbedsWithLoraAndSalt", llama3(), tokens(48, 5), embeds("sql-adapter-ü", "s3cr3t-盐"));

        Map<String, String> reference = new LinkedHashMap<>();
        for (String line : runReference()) {
            int colon = line.indexOf(": ");
            int eq = line.indexOf('=', colon);
            if (colon > 0 && eq > 0 && !line.contains("preimage")) {
                reference.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertEquals(java, reference, "the reference script's keys");
        assertTrue(reference.size() > 40, "the reference printed only " + reference.size() + " keys");
    }

    private static void javaCase(Map<String, String> out, String name, Namespace ns, int[] tokens,
                                 RequestExtras extras) {
        out.put(name + ": root", ns.id().toHex());
        BlockKey[] keys = BlockKeys.chain(ns, tokens, extras);
        for (int i = 0; i < keys.length; i++) {
            out.put(name + ": k[" + i + "]", keys[i].toHex());
        }
    }

    private static List<String> runReference() throws IOException, InterruptedException {
        Path script = Path.of("src/test/python/block_keys_reference.py").toAbsolutePath();
        Process p = new ProcessBuilder("python3", script.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the reference script did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the reference script failed:\n" + text);
        return new ArrayList<>(text.lines().toList());
    }

    private static Namespace worked() {
        return Namespace.builder().tenant("t").modelId("m").dtype("bf16").blockSizeTokens(2).layers(1).kvHeads(1)
            .headDim(1).build();
    }

    private static Namespace otherTenant() {
        return llama3().toBuilder().tenant("globex").build();
    }

    private static Namespace tp4Rank3() {
        return llama3().toBuilder().tpSize(4).tpRank(3).kvHeads(2).build();
    }

    private static Namespace pp2Stage1() {
        return llama3().toBuilder().ppSize(2).ppRank(1).layers(16).build();
    }

    private static Namespace unicode() {
        return Namespace.builder().tenant("café-租户").modelId("模型/ünïcødé-🦙").loraAdapter("ñ-adapter")
            .dtype("float16").blockSizeTokens(4).layers(2).kvHeads(2).headDim(64).tpSize(2).tpRank(1).layout("HND")
            .build();
    }

    private static RequestExtras loraExtras() {
        return RequestExtras.builder().lora("sql-adapter-ü").build();
    }

    private static RequestExtras saltExtras() {
        return RequestExtras.builder().cacheSalt("s3cr3t-盐").build();
    }

    /** The reference's MM plus LoRA and salt, added in another order than canonical: the encoding sorts them. */
    private static RequestExtras allExtrasInAnyOrder() {
        return RequestExtras.builder().cacheSalt("s3cr3t-盐").multimodal("a1b2c3d4e5f60718", 5, 20)
            .lora("sql-adapter-ü").multimodal("🖼-img-2", 40, 8).build();
    }

    /** The reference's EMBEDS: block j's digest is SHA-256 of "embeds-j"; added last block first. */
    private static RequestExtras embeds(String lora, String salt) {
        RequestExtras.Builder b = RequestExtras.builder().lora(lora).cacheSalt(salt);
        for (int j = 2; j >= 0; j--) {
            b.promptEmbeds(16 * j, 16, sha256(("embeds-" + j).getBytes(StandardCharsets.US_ASCII)));
        }
        return b.build();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
