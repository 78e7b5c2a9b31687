package io.spillway.key;

import static io.spillway.key.KeyFixtures.llama3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input to {@link BlockKeys} is an {@link IllegalArgumentException} that names the value. */
class BlockKeysInputValidationTest {
    private static final BlockKey ROOT = llama3().id();
    private static final int[] TOKENS = new int[40];

    @Test
    void nullsAreNamed() {
        assertMessage("namespace must not be null", () -> BlockKeys.namespaceRoot(null));
        assertMessage("namespace must not be null", () -> BlockKeys.chain(null, TOKENS));
        assertMessage("tokens must not be null", () -> BlockKeys.chain(llama3(), null));
        assertMessage("extras must not be null", () -> BlockKeys.chain(llama3(), TOKENS, null));
        assertMessage("parent must not be null", () -> BlockKeys.chain(null, TOKENS, 0, 16, RequestExtras.NONE));
        assertMessage("parent must not be null", () -> BlockKeys.next(null, TOKENS, 0, 16, ExtraKeys.NONE));
        assertMessage("tokens must not be null", () -> BlockKeys.next(ROOT, null, 0, 16, ExtraKeys.NONE));
        assertMessage("blockExtras must not be null", () -> BlockKeys.next(ROOT, TOKENS, 0, 16, null));
    }

    @Test
    void badOffsetsAndBlockSizesAreNamed() {
        assertMessage("offset must be in [0, tokens.length=40], got -16",
            () -> BlockKeys.chain(ROOT, TOKENS, -16, 16, RequestExtras.NONE));
        assertMessage("offset must be in [0, tokens.length=40], got 48",
            () -> BlockKeys.chain(ROOT, TOKENS, 48, 16, RequestExtras.NONE));
        assertMessage("offset must be a multiple of blockSize=16, got 8",
            () -> BlockKeys.chain(ROOT, TOKENS, 8, 16, RequestExtras.NONE));
        assertMessage("blockSize must be > 0, got 0", () -> BlockKeys.chain(ROOT, TOKENS, 0, 0, RequestExtras.NONE));
        assertMessage("a block of 16 tokens at offset -1 does not fit in tokens.length=40",
            () -> BlockKeys.next(ROOT, TOKENS, -1, 16, ExtraKeys.NONE));
        assertMessage("a block of 16 tokens at offset 30 does not fit in tokens.length=40",
            () -> BlockKeys.next(ROOT, TOKENS, 30, 16, ExtraKeys.NONE));
        assertMessage("a block of 16 tokens at offset 2147483647 does not fit in tokens.length=40",
            () -> BlockKeys.next(ROOT, TOKENS, Integer.MAX_VALUE, 16, ExtraKeys.NONE));
        assertMessage("blockSize must be > 0, got -1", () -> BlockKeys.next(ROOT, TOKENS, 0, -1, ExtraKeys.NONE));
        assertMessage("tokenCount must be >= 0, got -1", () -> BlockKeys.fullBlocks(-1, 16));
    }

    /** Ids are unsigned 32-bit (llm-d's simulator hashes words to them): an int below 0 is an id of 2^31 or more. */
    @Test
    void tokenIdsAreUnsignedThirtyTwoBit() {
        int[] low = new int[32];
        int[] high = new int[32];
        low[21] = 5;
        high[21] = (int) (5L + (1L << 31));
        BlockKey[] lowKeys = BlockKeys.chain(llama3(), low);
        BlockKey[] highKeys = BlockKeys.chain(llama3(), high);
        assertEquals(lowKeys[0], highKeys[0]);
        assertNotEquals(lowKeys[1], highKeys[1], "the high bit is hashed, not dropped");
    }

    @Test
    void emptyAndShortInputsHaveNoKeys() {
        assertEquals(0, BlockKeys.chain(llama3(), new int[0]).length);
        assertEquals(0, BlockKeys.chain(llama3(), new int[15]).length);
        assertEquals(0, BlockKeys.chain(ROOT, TOKENS, 40, 8, RequestExtras.NONE).length);
        assertEquals(2, BlockKeys.fullBlocks(40, 16));
    }

    private static void assertMessage(String expected, Executable action) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, action).getMessage());
    }
}
