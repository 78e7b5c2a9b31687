package io.spillway.tier.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmeTierContextTest {
    @TempDir
    Path dir;

    @Test
    void defaults() {
        NvmeTierContext ctx = NvmeTierContext.builder().directory(dir).build();
        assertEquals(32L << 30, ctx.capacityBytes());
        assertEquals(16 << 20, ctx.maxBlockBytes());
        assertEquals(Compression.NONE, ctx.compression());
        assertFalse(ctx.blobFiles());
        assertFalse(ctx.writeAheadLog());
        assertEquals(64L << 20, ctx.bufferPoolBytes());
    }

    @Test
    void fromPropertiesReadsEverySetting() {
        Properties p = new Properties();
        p.setProperty("spillway.nvme.directory", dir.toString());
        p.setProperty("spillway.nvme.capacityBytes", "2g");
        p.setProperty("spillway.nvme.maxBlockBytes", "4m");
        p.setProperty("spillway.nvme.compression", "lz4_shuffle2");
        p.setProperty("spillway.nvme.blobFiles", "true");
        p.setProperty("spillway.nvme.writeAheadLog", "TRUE");
        p.setProperty("spillway.nvme.bufferPoolBytes", "1048576");
        NvmeTierContext ctx = NvmeTierContext.fromProperties(p);
        assertEquals(dir, ctx.directory());
        assertEquals(2L << 30, ctx.capacityBytes());
        assertEquals(4 << 20, ctx.maxBlockBytes());
        assertEquals(Compression.LZ4_SHUFFLE2, ctx.compression());
        assertTrue(ctx.blobFiles());
        assertTrue(ctx.writeAheadLog());
        assertEquals(1 << 20, ctx.bufferPoolBytes());
    }

    @Test
    void messagesNameTheSettingAndTheValue() {
        assertMessage("spillway.nvme.directory must be set", NvmeTierContext.builder());
        assertMessage("spillway.nvme.maxBlockBytes must be in [1, ", builder().maxBlockBytes(0));
        assertMessage("got 0", builder().maxBlockBytes(0));
        assertMessage("spillway.nvme.capacityBytes must be at least spillway.nvme.maxBlockBytes + 40 header bytes"
            + " = 1064, got 1000", builder().maxBlockBytes(1024).capacityBytes(1000));
        assertMessage("spillway.nvme.bufferPoolBytes must be >= 0, got -1", builder().bufferPoolBytes(-1));
        assertMessage("spillway.nvme.compression must be one of [NONE, LZ4, LZ4_SHUFFLE2], got null",
            builder().compression(null));
    }

    @Test
    void malformedPropertiesAreNamed() {
        assertProperty("spillway.nvme.capacityBytes", "12x",
            "spillway.nvme.capacityBytes must be a byte count such as 1048576, 64k, 16m or 2t, got '12x'");
        assertProperty("spillway.nvme.capacityBytes", "-5", "got '-5'");
        assertProperty("spillway.nvme.compression", "zstd",
            "spillway.nvme.compression must be one of [NONE, LZ4, LZ4_SHUFFLE2], got 'zstd'");
        assertProperty("spillway.nvme.blobFiles", "yes", "spillway.nvme.blobFiles must be true or false, got 'yes'");
        assertProperty("spillway.nvme.maxBlockBytes", "3g", "spillway.nvme.maxBlockBytes must be at most");
    }

    @Test
    void directoryThatIsAFileIsRejected() throws Exception {
        Path file = Files.createFile(dir.resolve("plain-file"));
        assertMessage("spillway.nvme.directory must be a directory, got '" + file + "'",
            NvmeTierContext.builder().directory(file));
    }

    @Test
    void sizePropertiesTakeBinarySuffixes() {
        Properties p = new Properties();
        p.setProperty("spillway.nvme.directory", dir.toString());
        p.setProperty("spillway.nvme.capacityBytes", " 2T ");
        p.setProperty("spillway.nvme.maxBlockBytes", "64k");
        p.setProperty("spillway.nvme.bufferPoolBytes", "16MiB");
        NvmeTierContext ctx = NvmeTierContext.fromProperties(p);
        assertEquals(2L << 40, ctx.capacityBytes());
        assertEquals(64 << 10, ctx.maxBlockBytes());
        assertEquals(16L << 20, ctx.bufferPoolBytes());
    }

    private NvmeTierContext.Builder builder() {
        return NvmeTierContext.builder().directory(dir);
    }

    private static void assertMessage(String expected, NvmeTierContext.Builder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    private void assertProperty(String name, String value, String expected) {
        Properties p = new Properties();
        p.setProperty("spillway.nvme.directory", dir.toString());
        p.setProperty(name, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NvmeTierContext.fromProperties(p));
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
