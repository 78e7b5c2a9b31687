package io.spillway.key;

import static io.spillway.key.KeyFixtures.llama3;
import static io.spillway.key.KeyFixtures.randomTokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each kind of extra key changes the keys of exactly the blocks it applies to (docs/block-keys.md, "Extra keys"). */
class ExtraKeysTest {
    private static final int B = 16;
    private static final int CASES = 2000;

    /** Random extras for a request of {@code tokenCount} tokens: maybe a LoRA, maybe a salt, 0..3 disjoint items. */
    static RequestExtras randomExtras(Random random, int tokenCount) {
        RequestExtras.Builder b = RequestExtras.builder();
        if (random.nextBoolean()) {
            b.lora("lora-" + random.nextInt(5));
        }
        if (random.nextBoolean()) {
            b.cacheSalt("salt-" + random.nextInt(5));
        }
        int at = 0;
        for (int i = random.nextInt(4); i > 0 && at < tokenCount; i--) {
            int offset = at + random.nextInt(tokenCount - at);
            int length = 1 + random.nextInt(40);
            b.multimodal("img-" + random.nextInt(1000), offset, length);
            at = offset + length;
        }
        return b.build();
    }

    @Test
    void eachExtraChangesTheKeyOfTheBlocksItAppliesToAndNoOther() {
        Random random = new Random(30);
        for (int c = 0; c < CASES; c++) {
            int[] tokens = randomTokens(random, B * (1 + random.nextInt(8)));
            int blocks = tokens.length / B;
            BlockKey[] parents = BlockKeys.chain(llama3(), tokens);
            int kind = random.nextInt(4);
            int offset = random.nextInt(tokens.length);
            int length = 1 + random.nextInt(3 * B);
            RequestExtras extras = switch (kind) {
                case 0 -> RequestExtras.builder().lora("adapter-" + c).build();
                case 1 -> RequestExtras.builder().cacheSalt("salt-" + c).build();
                case 2 -> RequestExtras.builder().multimodal("mm-" + c, offset, length).build();
                default -> RequestExtras.builder().promptEmbeds(offset, length, digest(c)).build();
            };
            for (int j = 0; j < blocks; j++) {
                BlockKey parent = j == 0 ? llama3().id() : parents[j - 1];
                BlockKey plain = BlockKeys.next(parent, tokens, j * B, B, ExtraKeys.NONE);
                BlockKey extra = BlockKeys.next(parent, tokens, j * B, B, extras.forBlock(j, B));
                boolean applies = switch (kind) {
                    case 0 -> true;
                    case 1 -> j == 0;
                    default -> offset < (j + 1) * B && offset + length > j * B;
                };
                assertEquals(parents[j], plain);
                assertEquals(applies, !plain.equals(extra), "kind " + kind + ", block " + j + ", " + extras);
            }
        }
    }

    @Test
    void inAChainAnExtraChangesTheFirstBlockItAppliesToAndEveryLaterOne() {
        Random random = new Random(31);
        for (int c = 0; c < CASES; c++) {
            int[] tokens = randomTokens(random, B * (1 + random.nextInt(8)) + random.nextInt(B));
            BlockKey[] plain = BlockKeys.chain(llama3(), tokens);
            int offset = random.nextInt(tokens.length);
            RequestExtras item = RequestExtras.builder().multimodal("mm", offset, 1 + random.nextInt(2 * B)).build();
            BlockKey[] withItem = BlockKeys.chain(llama3(), tokens, item);
            for (int j = 0; j < plain.length; j++) {
                assertEquals(j < offset / B, plain[j].equals(withItem[j]), "item at " + offset + ", block " + j);
            }
            for (RequestExtras everyBlock : new RequestExtras[] {
                RequestExtras.builder().lora("l").build(), RequestExtras.builder().cacheSalt("s").build()}) {
                BlockKey[] changed = BlockKeys.chain(llama3(), tokens, everyBlock);
                for (int j = 0; j < plain.length; j++) {
                    assertNotEquals(plain[j], changed[j], everyBlock + ", block " + j);
                }
            }
        }
    }

    @Test
    void differentValuesOfOneKindGiveDifferentKeys() {
        int[] tokens = randomTokens(new Random(32), 4 * B);
        assertChainsDiffer(tokens, RequestExtras.builder().lora("a").build(), RequestExtras.builder().lora("b").build());
        assertChainsDiffer(tokens, RequestExtras.builder().cacheSalt("a").build(),
            RequestExtras.builder().cacheSalt("b").build());
        assertChainsDiffer(tokens, RequestExtras.builder().multimodal("h1", 0, 8).build(),
            RequestExtras.builder().multimodal("h2", 0, 8).build());
        assertChainsDiffer(tokens, RequestExtras.builder().multimodal("h", 0, 8).build(),
            RequestExtras.builder().multimodal("h", 1, 8).build());
        assertChainsDiffer(tokens, RequestExtras.builder().multimodal("h", 0, 8).build(),
            RequestExtras.builder().multimodal("h", 0, 9).build());
        // the same text under two types is two different entries
        assertChainsDiffer(tokens, RequestExtras.builder().lora("x").build(),
            RequestExtras.builder().cacheSalt("x").build());
        assertChainsDiffer(tokens, RequestExtras.builder().promptEmbeds(0, B, digest(1)).build(),
            RequestExtras.builder().promptEmbeds(0, B, digest(2)).build());
        // a multimodal item and prompt embeddings over the same range and bytes are still two kinds
        assertChainsDiffer(tokens, RequestExtras.builder().multimodal("01", 0, B).build(),
            RequestExtras.builder().promptEmbeds(0, B, new byte[] {'0', '1'}).build());
    }

    @Test
    void promptEmbeddingsReachTheBlocksTheirRangeCoversAndSortAfterItems() {
        RequestExtras perBlock = RequestExtras.builder().promptEmbeds(B, B, digest(1)).promptEmbeds(0, B, digest(0))
            .multimodal("m", 0, 2 * B).build();
        assertEquals(2, perBlock.promptEmbedsCount());
        assertEquals(2, perBlock.forBlock(0, B).count());
        assertEquals(2, perBlock.forBlock(1, B).count());
        assertEquals(0, perBlock.forBlock(2, B).count());
        String block0 = HexFormat.of().formatHex(perBlock.forBlock(0, B).toBytes());
        assertTrue(block0.startsWith("02000000" + "03"), block0); // the multimodal entry (type 3) first
        assertTrue(block0.contains("04" + "28000000" + "00000000" + "10000000" + HexFormat.of().formatHex(digest(0))),
            block0); // then type 4: payload 40 bytes = offset 0, length 16, the 32-byte digest
    }

    @Test
    void anItemAppliesToTheBlocksItOverlapsOnly() {
        RequestExtras endsAtBoundary = RequestExtras.builder().multimodal("h", B, B).build();
        assertEquals(0, endsAtBoundary.forBlock(0, B).count());
        assertEquals(1, endsAtBoundary.forBlock(1, B).count());
        assertEquals(0, endsAtBoundary.forBlock(2, B).count());
        RequestExtras straddles = RequestExtras.builder().multimodal("h", B - 1, 2).build();
        assertEquals(1, straddles.forBlock(0, B).count());
        assertEquals(1, straddles.forBlock(1, B).count());
        assertEquals(0, straddles.forBlock(2, B).count());
        RequestExtras two = RequestExtras.builder().multimodal("a", 0, 3).multimodal("b", 10, 30).lora("l")
            .cacheSalt("s").build();
        assertEquals(4, two.forBlock(0, B).count());
        assertEquals(2, two.forBlock(1, B).count());
        assertEquals(2, two.forBlock(2, B).count());
        assertEquals(1, two.forBlock(3, B).count());
    }

    @Test
    void itemOrderInTheBuilderDoesNotMatter() {
        Random random = new Random(33);
        int[] tokens = randomTokens(random, 8 * B);
        RequestExtras sorted = RequestExtras.builder().lora("l").cacheSalt("s").multimodal("a", 3, 10)
            .multimodal("b", 20, 30).multimodal("c", 60, 5).build();
        RequestExtras shuffled = RequestExtras.builder().multimodal("c", 60, 5).cacheSalt("s")
            .multimodal("a", 3, 10).lora("l").multimodal("b", 20, 30).build();
        assertArrayEquals(BlockKeys.chain(llama3(), tokens, sorted), BlockKeys.chain(llama3(), tokens, shuffled));
        for (int j = 0; j < 8; j++) {
            assertEquals(sorted.forBlock(j, B), shuffled.forBlock(j, B));
        }
    }

    @Test
    void emptyOrNullLoraAndSaltMeanNoEntry() {
        int[] tokens = randomTokens(new Random(34), 3 * B);
        RequestExtras empty = RequestExtras.builder().lora("").cacheSalt(null).build();
        assertTrue(empty.isEmpty());
        assertArrayEquals(BlockKeys.chain(llama3(), tokens), BlockKeys.chain(llama3(), tokens, empty));
        assertSame(ExtraKeys.NONE, empty.forBlock(0, B));
    }

    @Test
    void encodingIsCountFirstThenTypedLengthPrefixedEntries() {
        assertEquals("00000000", HexFormat.of().formatHex(ExtraKeys.NONE.toBytes()));
        RequestExtras extras = RequestExtras.builder().multimodal("é", 2, 3).cacheSalt("s").lora("x").build();
        assertEquals("03000000" + "01" + "01000000" + "78" + "02" + "01000000" + "73"
                + "03" + "0a000000" + "02000000" + "03000000" + "c3a9",
            HexFormat.of().formatHex(extras.forBlock(0, B).toBytes()));
        // tokens [4, 8): no salt (not the first block), still the item [2, 5)
        assertEquals("02000000" + "01" + "01000000" + "78" + "03" + "0a000000" + "02000000" + "03000000" + "c3a9",
            HexFormat.of().formatHex(extras.forBlock(1, 4).toBytes()));
    }

    @Test
    void badItemsAreRejectedWithTheirValues() {
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
            () -> RequestExtras.builder().multimodal("a", 0, 10).multimodal("b", 9, 5).build());
        assertTrue(overlap.getMessage().contains("'a'@[0, 10)") && overlap.getMessage().contains("'b'@[9, 14)"),
            overlap.getMessage());
        assertMessage("multimodal offset must be >= 0, got -1", () -> RequestExtras.builder().multimodal("a", -1, 1));
        assertMessage("multimodal length must be > 0, got 0", () -> RequestExtras.builder().multimodal("a", 0, 0));
        assertMessage("multimodal hash must be non-empty, got ''", () -> RequestExtras.builder().multimodal("", 0, 1));
        assertMessage("prompt embeddings length must be > 0, got 0",
            () -> RequestExtras.builder().promptEmbeds(0, 0, digest(0)));
        assertMessage("a prompt-embedding digest must have 1 to 64 bytes, got 0 bytes",
            () -> RequestExtras.builder().promptEmbeds(0, B, new byte[0]));
        IllegalArgumentException embedsOverlap = assertThrows(IllegalArgumentException.class,
            () -> RequestExtras.builder().promptEmbeds(0, B, digest(0)).promptEmbeds(B - 1, B, digest(1)).build());
        assertTrue(embedsOverlap.getMessage().startsWith("prompt-embedding ranges must not overlap"),
            embedsOverlap.getMessage());
        assertMessage("blockIndex must be >= 0, got -2", () -> RequestExtras.NONE.forBlock(-2, B));
        assertMessage("blockSize must be > 0, got 0", () -> RequestExtras.NONE.forBlock(0, 0));
        IllegalArgumentException surrogate = assertThrows(IllegalArgumentException.class,
            () -> RequestExtras.builder().lora("bad\uD800"));
        assertTrue(surrogate.getMessage().startsWith("lora must be well-formed Unicode"), surrogate.getMessage());
    }

    /** A distinct 32-byte digest per {@code i}. */
    private static byte[] digest(int i) {
        byte[] d = new byte[32];
        for (int k = 0; k < d.length; k++) {
            d[k] = (byte) (i * 31 + k);
        }
        return d;
    }

    private static void assertChainsDiffer(int[] tokens, RequestExtras a, RequestExtras b) {
        assertNotEquals(BlockKeys.chain(llama3(), tokens, a)[0], BlockKeys.chain(llama3(), tokens, b)[0],
            a + " vs " + b);
    }

    private static void assertMessage(String expected, Runnable action) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        assertEquals(expected, e.getMessage());
    }
}
