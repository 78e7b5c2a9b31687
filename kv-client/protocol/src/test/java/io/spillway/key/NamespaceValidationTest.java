package io.spillway.key;

import static io.spillway.key.KeyFixtures.llama3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link Namespace.Builder#build()} rejects bad fields with a message that names the field and the value. */
class NamespaceValidationTest {
    @Test
    void missingOrBlankTextNamesTheField() {
        assertRejected("tenant must be set, got ''", b -> b.tenant(""));
        assertRejected("tenant must be set, got '  '", b -> b.tenant("  "));
        assertRejected("modelId must be set, got 'null'", b -> b.modelId(null));
        assertRejected("dtype must be set, got ''", b -> b.dtype(""));
        assertRejected("layout must be set, got 'null'", b -> b.layout(null));
    }

    @Test
    void nonPositiveSizesNameTheValue() {
        assertRejected("blockSizeTokens must be > 0, got 0", b -> b.blockSizeTokens(0));
        assertRejected("layers must be > 0, got -3", b -> b.layers(-3));
        assertRejected("kvHeads must be > 0, got 0", b -> b.kvHeads(0));
        assertRejected("headDim must be > 0, got -128", b -> b.headDim(-128));
        assertRejected("tpSize must be > 0, got 0", b -> b.tpSize(0));
        assertRejected("ppSize must be > 0, got 0", b -> b.ppSize(0));
    }

    @Test
    void tpRankOutsideTpSizeNamesBoth() {
        assertRejected("tpRank must be in [0, tpSize=4), got 4", b -> b.tpSize(4).tpRank(4));
        assertRejected("tpRank must be in [0, tpSize=1), got -1", b -> b.tpRank(-1));
        assertRejected("ppRank must be in [0, ppSize=2), got 2", b -> b.ppSize(2).ppRank(2));
    }

    @Test
    void malformedUnicodeIsRejectedNotReplaced() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> llama3().toBuilder().modelId("llama\uDC00").build());
        assertTrue(e.getMessage().startsWith("modelId must be well-formed Unicode, got an unpaired surrogate U+DC00"
            + " at index 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> llama3().toBuilder().loraAdapter("\uD83E").build());
        assertTrue(e.getMessage().startsWith("loraAdapter must be well-formed Unicode"), e.getMessage());
        // a proper surrogate pair is fine
        assertEquals("🦙", llama3().toBuilder().modelId("🦙").build().modelId());
    }

    private static void assertRejected(String message, UnaryOperator<Namespace.Builder> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> change.apply(llama3().toBuilder()).build());
        assertEquals(message, e.getMessage());
    }
}
