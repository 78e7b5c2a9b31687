package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.config.PropertySources;
import io.spillway.server.security.SecurityMode;
import io.spillway.tier.cpu.CpuTierContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerContextTest {
    @TempDir
    Path dir;

    /** The node binary's settings from {@code env} and {@code args}, with plaintext said in the environment. */
    private ServerContext fromCommandLine(Map<String, String> env, String... args) {
        Map<String, String> plaintext = new HashMap<>(env);
        plaintext.putIfAbsent("SPILLWAY_SECURITY_MODE", "none");
        return fromBinary(plaintext, args);
    }

    private static ServerContext fromBinary(Map<String, String> env, String... args) {
        ServerMain main = new ServerMain(env);
        new CommandLine(main).parseArgs(args);
        return main.context();
    }

    /**
     * The node binary (what the image, the chart and {@code bin/spillway server} run) is in mtls mode unless told
     * otherwise: with no security settings it does not start, and the error says how to run plaintext.
     */
    @Test
    void theNodeBinaryWithoutSecuritySettingsIsMutualTlsAndRefusesToStartWithoutCertificates() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fromBinary(Map.of()));
        assertTrue(e.getMessage().contains("spillway.security.mode=mtls needs the node's certificate and key"),
            e.getMessage());
        assertTrue(e.getMessage().contains("spillway.security.mode=none"), e.getMessage());
        assertEquals(SecurityMode.NONE, fromBinary(Map.of(), "--set", "spillway.security.mode=none").security().mode(),
            "plaintext when said on the command line");
        assertEquals(SecurityMode.NONE, fromBinary(Map.of("SPILLWAY_SECURITY_MODE", "none")).security().mode(),
            "or in the environment");
    }

    @Test
    void embeddedDefaultsMatchTheDocumentedPortsAndLimits() {
        ServerContext ctx = ServerContext.builder().plaintext().build();
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
            ctx.nvmeProperties().getProperty(ServerContext.NVME_DIRECTORY_PROP));
        assertEquals(String.valueOf(16 << 20), ctx.cpuProperties().getProperty(ServerContext.CPU_MAX_BLOCK_BYTES_PROP));
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
        assertEquals(dir.resolve("nvme").toString(), ctx.nvmeProperties().getProperty(ServerContext.NVME_DIRECTORY_PROP));
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
            () -> ServerContext.builder().plaintext().set("spillway.server.dataPrt", "1").build());
        assertTrue(unknown.getMessage().contains("spillway.server.dataPrt"), unknown.getMessage());

        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().plaintext().dataPort(9000).controlPort(9000).build());
        assertTrue(same.getMessage().contains("9000"), same.getMessage());

        IllegalArgumentException bool = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().plaintext().set(ServerContext.PROMOTE_ON_HIT_PROP, "maybe").build());
        assertTrue(bool.getMessage().contains("maybe"), bool.getMessage());

        IllegalArgumentException block = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().plaintext().set(ServerContext.MAX_BLOCK_BYTES_PROP, "2g").set(ServerContext.MAX_FRAME_BYTES_PROP, "1g")
                .build());
        assertTrue(block.getMessage().contains("maxBlockBytes"), block.getMessage());
    }

    @Test
    void settersRejectABadValueAtOnceNamingTheSetting() {
        ServerContext.Builder b = ServerContext.builder().plaintext();
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class, () -> b.dataPort(70_000));
        assertEquals("spillway.server.dataPort must be at most 65535, got '70000' (from default or builder)",
            port.getMessage());
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class, () -> b.ioThreads(0));
        assertTrue(threads.getMessage().startsWith("spillway.server.ioThreads must be at least 1"),
            threads.getMessage());
        IllegalArgumentException drain = assertThrows(IllegalArgumentException.class, () -> b.drainTimeoutMs(-1));
        assertTrue(drain.getMessage().startsWith("spillway.server.drainTimeoutMs "), drain.getMessage());
        IllegalArgumentException transport = assertThrows(IllegalArgumentException.class,
            () -> b.set(ServerContext.TRANSPORT_PROP, "rdma"));
        assertTrue(transport.getMessage().contains("'rdma'"), transport.getMessage());
        assertEquals(ServerContext.DATA_PORT_DEFAULT, b.build().dataPort(), "a rejected value leaves the default");
    }

    @Test
    void defaultsAreStatedOnceAndReadBackAsThemselves() {
        ServerContext ctx = ServerContext.builder().plaintext().build();
        assertEquals(ServerContext.DATA_PORT_DEFAULT, ctx.dataPort());
        assertEquals(ServerContext.CONTROL_PORT_DEFAULT, ctx.controlPort());
        assertEquals(ServerContext.HTTP_PORT_DEFAULT, ctx.httpPort());
        assertEquals(ServerContext.BIND_DEFAULT, ctx.bind());
        assertEquals(ServerContext.MAX_BLOCK_BYTES_DEFAULT, ctx.maxBlockBytes());
        assertEquals(ServerContext.MAX_FRAME_BYTES_DEFAULT, ctx.maxFrameBytes());
        assertEquals(ServerContext.WRITE_HIGH_WATER_MARK_DEFAULT, ctx.writeHighWaterMark());
        assertEquals(ServerContext.TRANSPORT_DEFAULT, ctx.transport());
        assertEquals(ServerContext.IO_THREADS_DEFAULT, ctx.ioThreads());
        assertEquals(ServerContext.DRAIN_TIMEOUT_MS_DEFAULT, ctx.drainTimeoutMs());
        assertEquals("16m", ctx.settings().get(ServerContext.MAX_BLOCK_BYTES_PROP), "--print-config shows sizes short");
    }

    @Test
    void theOldDrainTimeoutNameIsReadInEveryLayerAsTheNewOneWithAWarning() throws Exception {
        Path old = dir.resolve("old.properties");
        Files.writeString(old, "spillway.server.drainTimeoutMillis=7000\nspillway.cpu.closeTimeoutMillis=300\n");
        ServerContext fromFile = fromCommandLine(Map.of(), "--config", old.toString());
        assertEquals(7000, fromFile.drainTimeoutMs());
        assertEquals("300", fromFile.cpuProperties().getProperty(CpuTierContext.CLOSE_TIMEOUT_MS_PROP));
        assertFalse(fromFile.settings().containsKey("spillway.server.drainTimeoutMillis"));

        assertEquals(8000, fromCommandLine(Map.of("SPILLWAY_SERVER_DRAIN_TIMEOUT_MS", "8000"), "--config",
            old.toString()).drainTimeoutMs(), "the environment's new name beats the file's old one");
        Path now = dir.resolve("new.properties");
        Files.writeString(now, "spillway.server.drainTimeoutMs=7000\n");
        assertEquals(9000, fromCommandLine(Map.of("SPILLWAY_SERVER_DRAIN_TIMEOUT_MILLIS", "9000"), "--config",
            now.toString()).drainTimeoutMs(), "the environment's old name beats the file's new one");
        assertEquals(6000, fromCommandLine(Map.of(), "--config", now.toString(), "--set",
            "spillway.server.drainTimeoutMillis=6000").drainTimeoutMs());
        assertEquals(5000, ServerContext.builder().plaintext().set("spillway.server.drainTimeoutMillis", "5000").build()
            .drainTimeoutMs());

        PropertySources sources = new PropertySources().renamed(ServerContext.RENAMED_PROPERTIES)
            .environment(Map.of("SPILLWAY_SERVER_DRAIN_TIMEOUT_MILLIS", "9000"));
        assertEquals(Map.of(ServerContext.DRAIN_TIMEOUT_MS_PROP, "9000"), sources.values());
        assertEquals(List.of("spillway.server.drainTimeoutMillis (from environment "
            + "SPILLWAY_SERVER_DRAIN_TIMEOUT_MILLIS) is deprecated and will be removed: use "
            + "spillway.server.drainTimeoutMs (its value is taken as spillway.server.drainTimeoutMs's)"),
            sources.warnings());
    }

    @Test
    void ephemeralPortsMayAllBeZero() {
        ServerContext ctx = ServerContext.builder().plaintext().dataPort(0).controlPort(0).httpPort(0).build();
        assertEquals(0, ctx.dataPort() + ctx.controlPort() + ctx.httpPort());
    }

    @Test
    void environmentNamesSplitCamelCaseAndMapBack() {
        assertEquals("SPILLWAY_SERVER_DATA_PORT", PropertySources.envName("spillway.server.dataPort"));
        assertEquals("SPILLWAY_SERVER_MAX_BLOCKS_PER_REQUEST",
            PropertySources.envName(ServerContext.MAX_BLOCKS_PER_REQUEST_PROP));
        for (String name : ServerContext.serverPropertyNames()) {
            assertEquals(name, PropertySources.propertyName(PropertySources.envName(name)));
        }
    }

    @Test
    void sizesReadTheWayOperatorsWriteThem() {
        ServerContext ctx = ServerContext.builder().plaintext().set(ServerContext.MAX_BLOCK_BYTES_PROP, "16MiB")
            .set(ServerContext.WRITE_HIGH_WATER_MARK_PROP, "8_388_608").set(ServerContext.WRITE_LOW_WATER_MARK_PROP, "512k")
            .set(ServerContext.CPU_CAPACITY_PROP, "64M").set(ServerContext.NVME_CAPACITY_PROP, "1t").build();
        assertEquals(16 << 20, ctx.maxBlockBytes());
        assertEquals(8 << 20, ctx.writeHighWaterMark());
        assertEquals(512 << 10, ctx.writeLowWaterMark());
        assertEquals(64L << 20, ctx.cpuCapacityBytes());
        assertEquals(1L << 40, ctx.nvmeCapacityBytes());

        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().plaintext().set(ServerContext.MAX_FRAME_BYTES_PROP, "-1m").build());
        assertEquals("spillway.server.maxFrameBytes must not be negative, got '-1m' (from default or builder)",
            negative.getMessage());
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().plaintext().set(ServerContext.MAX_FRAME_BYTES_PROP, "8g").build());
        assertEquals("spillway.server.maxFrameBytes must be at most 4294967295 B, got '8g' (from default or builder)",
            tooLarge.getMessage());
    }

    @Test
    void booleansAreTrueOrFalseLikeTheTiersAndTheClient() {
        assertFalse(ServerContext.builder().plaintext().set(ServerContext.PROMOTE_ON_HIT_PROP, "False").build().promoteOnHit());
        assertTrue(ServerContext.builder().plaintext().set(ServerContext.PROMOTE_ON_HIT_PROP, "TRUE").build().promoteOnHit());
        IllegalArgumentException yes = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().plaintext().set(ServerContext.NVME_ENABLED_PROP, "yes").build());
        assertTrue(yes.getMessage().startsWith("spillway.server.nvmeEnabled "), yes.getMessage());
        assertTrue(yes.getMessage().contains("'yes'"), yes.getMessage());
    }
}
