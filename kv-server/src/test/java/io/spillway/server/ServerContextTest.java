package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerContextTest {
    @TempDir
    Path dir;

    private ServerContext fromCommandLine(Map<String, String> env, String... args) {
        ServerMain main = new ServerMain(env);
        new CommandLine(main).parseArgs(args);
        return main.context();
    }

    @Test
    void embeddedDefaultsMatchTheDocumentedPortsAndLimits() {
        ServerContext ctx = ServerContext.builder().build();
        assertEquals(7600, ctx.dataPort());
        assertEquals(7601, ctx.controlPort());
        assertEquals(7602, ctx.httpPort());
        assertEquals("127.0.0.1", ctx.bind());
        assertEquals(Path.of("./data"), ctx.dataDir());
        assertEquals(16 << 20, ctx.maxBlockBytes());
        assertEquals(1024, ctx.maxBlocksPerRequest());
        assertEquals(1L << 30, ctx.maxFrameBytes());
        assertTrue(ctx.promoteOnHit());
        assertTrue(ctx.cpuCapacityBytes() > 0 && ctx.cpuCapacityBytes() <= ServerContext.CPU_DEFAULT_CAP);
        assertEquals(Path.of("./data").resolve("nvme").toString(),
            ctx.nvmeProperties().getProperty(ServerContext.NVME_DIRECTORY));
        assertEquals(String.valueOf(16 << 20), ctx.cpuProperties().getProperty(ServerContext.CPU_MAX_BLOCK_BYTES));
    }

    @Test
    void flagsOverrideEnvironmentWhichOverridesFileWhichOverridesDefaults() throws Exception {
        Path file = dir.resolve("node.properties");
        Files.writeString(file, "spillway.server.dataPort=7700\nspillway.server.controlPort=7701\n"
            + "spillway.server.httpPort=7702\nspillway.server.bind=0.0.0.0\n");
        Map<String, String> env = Map.of("SPILLWAY_SERVER_DATA_PORT", "7800", "SPILLWAY_SERVER_CONTROL_PORT", "7801",
            "PATH", "/usr/bin");

        ServerContext all = fromCommandLine(env, "--config", file.toString(), "--data-port", "7900");
        assertEquals(7900, all.dataPort(), "flag beats environment");
        assertEquals(7801, all.controlPort(), "environment beats file");
        assertEquals(7702, all.httpPort(), "file beats default");
        assertEquals("0.0.0.0", all.bind());

        ServerContext noFlag = fromCommandLine(env, "--config", file.toString());
        assertEquals(7800, noFlag.dataPort());
        ServerContext fileOnly = fromCommandLine(Map.of(), "--config", file.toString());
        assertEquals(7700, fileOnly.dataPort());
        assertEquals(7600, fromCommandLine(Map.of()).dataPort());
    }

    @Test
    void setFlagsAndSizeFlagsReachTheServerAndTheTiers() {
        ServerContext ctx = fromCommandLine(Map.of("SPILLWAY_CPU_DEMOTION_QUEUE_BLOCKS", "77"),
            "--cpu-capacity", "512m", "--nvme-capacity", "4g", "--data-dir", dir.toString(),
            "--set", "spillway.server.promoteOnHit=false", "--set", "spillway.nvme.compression=lz4");
        assertEquals(512L << 20, ctx.cpuCapacityBytes());
        assertEquals(4L << 30, ctx.nvmeCapacityBytes());
        assertFalse(ctx.promoteOnHit());
        assertEquals("77", ctx.cpuProperties().getProperty("spillway.cpu.demotionQueueBlocks"));
        assertEquals("lz4", ctx.nvmeProperties().getProperty("spillway.nvme.compression"));
        assertEquals(dir.resolve("nvme").toString(), ctx.nvmeProperties().getProperty(ServerContext.NVME_DIRECTORY));
    }

    @Test
    void badValuesAreRejectedWithTheirNameValueAndOrigin() {
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_SERVER_HTTP_PORT", "70000")));
        assertTrue(port.getMessage().contains("spillway.server.httpPort"), port.getMessage());
        assertTrue(port.getMessage().contains("70000"), port.getMessage());
        assertTrue(port.getMessage().contains("SPILLWAY_SERVER_HTTP_PORT"), port.getMessage());

        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--cpu-capacity", "lots"));
        assertTrue(size.getMessage().contains("spillway.cpu.capacityBytes") && size.getMessage().contains("lots"),
            size.getMessage());

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().set("spillway.server.dataPrt", "1").build());
        assertTrue(unknown.getMessage().contains("spillway.server.dataPrt"), unknown.getMessage());

        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().dataPort(9000).controlPort(9000).build());
        assertTrue(same.getMessage().contains("9000"), same.getMessage());

        IllegalArgumentException bool = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().set(ServerContext.PROMOTE_ON_HIT, "maybe").build());
        assertTrue(bool.getMessage().contains("maybe"), bool.getMessage());

        IllegalArgumentException block = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().set(ServerContext.MAX_BLOCK_BYTES, "2g").set(ServerContext.MAX_FRAME_BYTES, "1g")
                .build());
        assertTrue(block.getMessage().contains("maxBlockBytes"), block.getMessage());
    }

    @Test
    void ephemeralPortsMayAllBeZero() {
        ServerContext ctx = ServerContext.builder().dataPort(0).controlPort(0).httpPort(0).build();
        assertEquals(0, ctx.dataPort() + ctx.controlPort() + ctx.httpPort());
    }

    @Test
    void environmentNamesSplitCamelCaseAndMapBack() {
        assertEquals("SPILLWAY_SERVER_DATA_PORT", PropertySources.envName("spillway.server.dataPort"));
        assertEquals("SPILLWAY_SERVER_MAX_BLOCKS_PER_REQUEST",
            PropertySources.envName(ServerContext.MAX_BLOCKS_PER_REQUEST));
        for (String name : ServerContext.serverPropertyNames()) {
            assertEquals(name, PropertySources.propertyName(PropertySources.envName(name)));
        }
    }

    @Test
    void sizesReadTheWayOperatorsWriteThem() {
        ServerContext ctx = ServerContext.builder().set(ServerContext.MAX_BLOCK_BYTES, "16MiB")
            .set(ServerContext.WRITE_HIGH_WATER_MARK, "8_388_608").set(ServerContext.WRITE_LOW_WATER_MARK, "512k")
            .set(ServerContext.CPU_CAPACITY, "64M").set(ServerContext.NVME_CAPACITY, "1t").build();
        assertEquals(16 << 20, ctx.maxBlockBytes());
        assertEquals(8 << 20, ctx.writeHighWaterMark());
        assertEquals(512 << 10, ctx.writeLowWaterMark());
        assertEquals(64L << 20, ctx.cpuCapacityBytes());
        assertEquals(1L << 40, ctx.nvmeCapacityBytes());

        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().set(ServerContext.MAX_FRAME_BYTES, "-1m").build());
        assertEquals("spillway.server.maxFrameBytes must not be negative, got '-1m' (from default or builder)",
            negative.getMessage());
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().set(ServerContext.MAX_FRAME_BYTES, "8g").build());
        assertEquals("spillway.server.maxFrameBytes must be at most 4294967295 B, got '8g' (from default or builder)",
            tooLarge.getMessage());
    }

    @Test
    void booleansAreTrueOrFalseLikeTheTiersAndTheClient() {
        assertFalse(ServerContext.builder().set(ServerContext.PROMOTE_ON_HIT, "False").build().promoteOnHit());
        assertTrue(ServerContext.builder().set(ServerContext.PROMOTE_ON_HIT, "TRUE").build().promoteOnHit());
        IllegalArgumentException yes = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().set(ServerContext.NVME_ENABLED, "yes").build());
        assertTrue(yes.getMessage().startsWith("spillway.server.nvmeEnabled "), yes.getMessage());
        assertTrue(yes.getMessage().contains("'yes'"), yes.getMessage());
    }
}
