package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelShapeTest {
    @Test
    void llama8bHas128KibATokenAnd2MibABlock() {
        ModelShape llama = ModelShape.named("Llama-3.1-8B");
        assertEquals(2L * 32 * 8 * 128 * 2, llama.bytesPerToken());
        assertEquals(128 * 1024, llama.bytesPerToken());
        assertEquals(2L << 20, llama.blockBytes(16));
        assertEquals(TransferCostModel.defaults().bytesPerBlock(), llama.blockBytes(16));
    }

    @Test
    void otherShapesFollowTheirConfigs() {
        assertEquals(320 * 1024, ModelShape.named("llama-3.1-70b").bytesPerToken());
        assertEquals(144 * 1024, ModelShape.named("qwen3-8b").bytesPerToken());
        assertEquals(56 * 1024, ModelShape.named("qwen2.5-7b").bytesPerToken());
        assertEquals(2L * 40 * 4 * 64 * 1, new ModelShape("x", 40, 4, 64, ModelShape.dtypeBytes("fp8_e4m3"))
            .bytesPerToken());
    }

    @Test
    void unknownNamesAndBadShapesAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelShape.named("gpt-9"));
        assertTrue(e.getMessage().contains("unknown model shape 'gpt-9'") && e.getMessage().contains("llama-3.1-8b"),
            e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelShape("x", 0, 8, 128, 2));
        assertThrows(IllegalArgumentException.class, () -> ModelShape.dtypeBytes("int3"));
        assertThrows(IllegalArgumentException.class, () -> ModelShape.named("llama-3.1-8b").blockBytes(0));
    }
}
