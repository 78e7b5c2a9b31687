package io.spillway.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.config.PropertySources;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.router.service.RouterContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The router's settings: the same layering as the server's, validation naming the setting, --config vs --config-file. */
class RouterMainTest {
    private static final String PD = RoutingConfig.preset("spillway-pd").toYaml(RoutingConfig.API_VERSION);

    @TempDir
    Path dir;

    private static RouterMain parsed(Map<String, String> env, String... args) {
        RouterMain main = new RouterMain(env);
        new CommandLine(main).parseArgs(args);
        return main;
    }

    private static RouterContext fromCommandLine(Map<String, String> env, String... args) {
        return parsed(env, args).context();
    }

    private static String yamlOf(RouterContext ctx) {
        return ctx.routing().toYaml(RoutingConfig.API_VERSION);
    }

    @Test
    void flagsOverrideEnvironmentWhichOverridesFileWhichOverridesDefaults() throws Exception {
        Path file = dir.resolve("router.properties");
        Files.writeString(file, "spillway.router.model=file-model\nspillway.router.pods=10.0.0.1:8000,10.0.0.2:8000\n"
            + "spillway.router.proxyPort=8100\nspillway.router.extProcPort=9100\nspillway.router.httpPort=9190\n"
            + "spillway.router.host=127.0.0.2\nspillway.router.layers=40\nspillway.router.preset=load-only\n"
            + "spillway.server.dataPort=1\n");
        Map<String, String> env = Map.of("SPILLWAY_ROUTER_PROXY_PORT", "8200", "SPILLWAY_ROUTER_EXT_PROC_PORT", "9200",
            "SPILLWAY_ROUTER_SCRAPE_INTERVAL_MS", "75", "SPILLWAY_SERVER_DATA_PORT", "2", "PATH", "/usr/bin");

        RouterContext all = fromCommandLine(env, "--config", file.toString(), "--proxy-port", "8300", "--pods",
            "10.0.0.3:8000");
        assertEquals(8300, all.proxyPort(), "flag beats environment");
        assertEquals(9200, all.extProcPort(), "environment beats file");
        assertEquals(9190, all.httpPort(), "file beats default");
        assertEquals("127.0.0.2", all.host());
        assertEquals("file-model", all.namespace().modelId());
        assertEquals(40, all.namespace().layers());
        assertEquals(RouterContext.KV_HEADS_DEFAULT, all.namespace().kvHeads());
        assertEquals(Duration.ofMillis(75), all.scrapeInterval());
        assertEquals(List.of("10.0.0.3:8000"), all.staticPods(), "a flag's list replaces the file's");
        assertEquals(RoutingConfig.preset("load-only").toYaml(RoutingConfig.API_VERSION), yamlOf(all));

        assertEquals(8200, fromCommandLine(env, "--config", file.toString()).proxyPort());
        RouterContext fileOnly = fromCommandLine(Map.of(), "--config", file.toString());
        assertEquals(8100, fileOnly.proxyPort());
        assertEquals(List.of("10.0.0.1:8000", "10.0.0.2:8000"), fileOnly.staticPods());

        RouterContext defaults = fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1");
        assertEquals(RouterContext.PROXY_PORT_DEFAULT, defaults.proxyPort());
        assertEquals(RouterContext.EXT_PROC_PORT_DEFAULT, defaults.extProcPort());
        assertEquals(RouterContext.HTTP_PORT_DEFAULT, defaults.httpPort());
        assertEquals(RouterContext.HOST_DEFAULT, defaults.host());
        assertEquals(RouterContext.BLOCK_SIZE_DEFAULT, defaults.namespace().blockSizeTokens());
        assertEquals(Duration.ofMillis(RouterContext.SCRAPE_INTERVAL_MS_DEFAULT), defaults.scrapeInterval());
        assertEquals(RouterContext.MAX_BODY_BYTES_DEFAULT, defaults.maxBodyBytes());
        assertEquals(RoutingConfig.preset(RouterContext.PRESET_DEFAULT).toYaml(RoutingConfig.API_VERSION),
            yamlOf(defaults));
        assertNull(defaults.extProc().tls());
        assertNull(defaults.extProc().assumedMode(), "infer by default");
    }

    @Test
    void environmentNamesAreDerivedAsTheServersAre() {
        assertEquals("SPILLWAY_ROUTER_PROXY_PORT", PropertySources.envName(RouterContext.PROXY_PORT_PROP));
        assertEquals("SPILLWAY_ROUTER_K8S_NAMESPACE", PropertySources.envName(RouterContext.K8S_NAMESPACE_PROP));
        for (String name : RouterContext.PROPERTY_NAMES) {
            assertEquals(name, PropertySources.propertyName(PropertySources.envName(name)));
        }
        RouterContext ctx = fromCommandLine(Map.of("SPILLWAY_ROUTER_MODEL", "env-model", "SPILLWAY_ROUTER_K8S_NAMESPACE",
            "models", "SPILLWAY_ROUTER_INFERENCE_POOL", "llama"));
        assertEquals("env-model", ctx.namespace().modelId());
        assertEquals("models", ctx.k8sNamespace());
        assertEquals("llama", ctx.inferencePool());
    }

    @Test
    void theFeedsLocalHostLayersAndIsAnIpLiteralOrAResolvableName() throws Exception {
        assertEquals(RouterContext.FEED_LOCAL_HOST_DEFAULT, fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1")
            .feedLocalHost(), "the loopback address by default, as before");
        assertEquals("127.0.0.1", RouterContext.FEED_LOCAL_HOST_DEFAULT);
        assertEquals("SPILLWAY_ROUTER_FEED_LOCAL_HOST", PropertySources.envName(RouterContext.FEED_LOCAL_HOST_PROP),
            "the chart's downward-API variable");
        Path file = dir.resolve("router.properties");
        Files.writeString(file, "spillway.router.model=m\nspillway.router.pods=a:1\n"
            + "spillway.router.feedLocalHost=10.0.0.1\n");
        assertEquals("10.0.0.1", fromCommandLine(Map.of(), "--config", file.toString()).feedLocalHost());
        Map<String, String> env = Map.of("SPILLWAY_ROUTER_FEED_LOCAL_HOST", "10.244.1.17");
        assertEquals("10.244.1.17", fromCommandLine(env, "--config", file.toString()).feedLocalHost(),
            "environment beats file");
        assertEquals("10.0.0.3", fromCommandLine(env, "--config", file.toString(), "--feed-local-host", "10.0.0.3")
            .feedLocalHost(), "flag beats environment");
        assertEquals("[fd00::17]", fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--feed-local-host",
            "fd00::17").feedLocalHost(), "IPv6 in brackets, as Aeron's endpoint takes it");
        assertEquals("[::1]", fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--feed-local-host",
            "[::1]").feedLocalHost());
        assertEquals("localhost", fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--feed-local-host",
            "localhost").feedLocalHost(), "a name that resolves");

        for (String bad : List.of("10.0.0.256", "10.0.0", "fd00::zz", "not a host", "-bad.example", "[localhost]",
            "no-such-host.invalid")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fromCommandLine(Map.of("SPILLWAY_ROUTER_FEED_LOCAL_HOST", bad), "--model", "m", "--pods", "a:1"),
                bad);
            assertTrue(e.getMessage().startsWith("feedLocalHost (spillway.router.feedLocalHost) ")
                && e.getMessage().contains(bad)
                && e.getMessage().endsWith("(from environment SPILLWAY_ROUTER_FEED_LOCAL_HOST)"), e.getMessage());
        }
    }

    @Test
    void badValuesNameTheSettingTheValueAndTheOrigin() throws Exception {
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_ROUTER_PROXY_PORT", "70000"), "--model", "m", "--pods", "a:1"));
        assertEquals("proxyPort (spillway.router.proxyPort) must be 0..65535 or -1 (off), got 70000 (from "
            + "environment SPILLWAY_ROUTER_PROXY_PORT)", port.getMessage());

        IllegalArgumentException scrape = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--scrape-ms", "0"));
        assertEquals("scrapeInterval (spillway.router.scrapeIntervalMs) must be > 0, got 0 ms (from command line)",
            scrape.getMessage());

        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "spillway.router.maxKeys=lots\n");
        IllegalArgumentException keys = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--config", file.toString(), "--model", "m", "--pods", "a:1"));
        assertEquals("spillway.router.maxKeys must be an integer, got 'lots' (from file " + file + ")",
            keys.getMessage());

        Files.writeString(file, "spillway.router.proxyPrt=1\n");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--config", file.toString(), "--model", "m", "--pods", "a:1"));
        assertTrue(unknown.getMessage().startsWith("unknown setting 'spillway.router.proxyPrt' (from file "),
            unknown.getMessage());

        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--pods", "a:1"));
        assertTrue(model.getMessage().startsWith("spillway.router.model (--model) must be set"), model.getMessage());

        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--preset", "fastest"));
        assertTrue(preset.getMessage().startsWith("spillway.router.preset: unknown routing preset 'fastest'")
            && preset.getMessage().endsWith("(from command line)"), preset.getMessage());

        IllegalArgumentException pod = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--model", "m", "--pods", "nohost"));
        assertTrue(pod.getMessage().startsWith("pods (spillway.router.pods): pod 'nohost' must be host:port"),
            pod.getMessage());

        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_ROUTER_EXT_PROC_MODE", "sideways"), "--model", "m", "--pods", "a:1"));
        assertTrue(mode.getMessage().startsWith("extProcMode (spillway.router.extProcMode): ")
            && mode.getMessage().contains("'sideways'"), mode.getMessage());

        IllegalArgumentException body = assertThrows(IllegalArgumentException.class,
            () -> RouterContext.builder().maxBodyBytes(0));
        assertEquals("maxBodyBytes (spillway.router.maxBodyBytes) must be > 0, got 0", body.getMessage());
        IllegalArgumentException pool = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--model", "m", "--inference-pool", "llama"));
        assertTrue(pool.getMessage().contains("--k8s-namespace"), pool.getMessage());
    }

    @Test
    void configIsAPropertiesFileAndTheEndpointPickerConfigIsConfigFile() throws Exception {
        Path epp = dir.resolve("epp.yaml");
        Files.writeString(epp, PD);
        assertEquals(PD, yamlOf(fromCommandLine(Map.of(), "--config-file", epp.toString(), "--model", "m", "--pods",
            "a:1")));
        assertEquals(PD, yamlOf(fromCommandLine(Map.of(), "--config-text", PD, "--model", "m", "--pods", "a:1")));
        assertEquals(PD, yamlOf(fromCommandLine(Map.of("SPILLWAY_ROUTER_CONFIG_FILE", epp.toString()), "--model", "m",
            "--pods", "a:1")), "the routing file is a setting like any other");
        assertEquals(PD, yamlOf(fromCommandLine(Map.of(), "--config-file", epp.toString(), "--preset", "load-only",
            "--model", "m", "--pods", "a:1")), "a routing configuration beats the preset");

        Path props = dir.resolve("router.properties");
        Files.writeString(props, "spillway.router.configFile=" + epp + "\nspillway.router.model=m\n"
            + "spillway.router.pods=a:1\n");
        assertEquals(PD, yamlOf(fromCommandLine(Map.of(), "--config", props.toString())));

        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--config-file", epp.toString(), "--config-text", PD, "--model", "m",
                "--pods", "a:1"));
        assertTrue(both.getMessage().contains("--config-file") && both.getMessage().contains("--config-text"),
            both.getMessage());

        Files.writeString(dir.resolve("broken.yaml"), "kind: EndpointPickerConfig\nplugins: [\n");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--config-file", dir.resolve("broken.yaml").toString(), "--model", "m",
                "--pods", "a:1"));
        assertTrue(broken.getMessage().startsWith("spillway.router.configFile: "), broken.getMessage());
    }

    @Test
    void anEndpointPickerConfigGivenToConfigIsTakenWithAWarningOnlyWhenUnambiguous() throws Exception {
        Path epp = dir.resolve("epp.yaml");
        Files.writeString(epp, "# the old way\n" + PD);
        RouterMain old = parsed(Map.of(), "--config", epp.toString(), "--model", "m", "--pods", "a:1");
        PropertySources sources = old.sources();
        assertEquals(PD, yamlOf(RouterContext.builder().load(sources).build()));
        assertEquals(1, sources.warnings().size());
        assertTrue(sources.warnings().get(0).contains("give the routing configuration with --config-file"),
            sources.warnings().get(0));

        Path noKind = dir.resolve("no-kind.yaml");
        Files.writeString(noKind, PD.replace("kind: EndpointPickerConfig\n", ""));
        IllegalArgumentException ambiguous = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--config", noKind.toString(), "--model", "m", "--pods", "a:1"));
        assertTrue(ambiguous.getMessage().contains("--config-file")
            && ambiguous.getMessage().contains("Java properties file"), ambiguous.getMessage());

        Path mixed = dir.resolve("mixed");
        Files.writeString(mixed, PD + "spillway.router.model: m\n");
        IllegalArgumentException mixedUp = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--config", mixed.toString(), "--pods", "a:1"));
        assertTrue(mixedUp.getMessage().contains("mixed with spillway.* settings")
            && mixedUp.getMessage().contains("--config-file"), mixedUp.getMessage());

        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--config", epp.toString(), "--config-file", epp.toString(), "--model",
                "m", "--pods", "a:1"));
        assertTrue(twice.getMessage().contains("give the routing configuration once"), twice.getMessage());

        Path props = dir.resolve("plain.properties");
        Files.writeString(props, "# a router\nspillway.router.model=m\nspillway.router.pods=a:1\n");
        RouterMain plain = parsed(Map.of(), "--config", props.toString());
        assertEquals(List.of(), plain.sources().warnings());
        assertEquals("m", plain.context().namespace().modelId());
    }

    @Test
    void theOldCertRefreshFlagInSecondsIsStillTakenWithAWarning() throws Exception {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "cert");
        Path key = Files.writeString(dir.resolve("tls.key"), "key");
        RouterMain old = parsed(Map.of(), "--model", "m", "--pods", "a:1", "--ext-proc-cert", cert.toString(),
            "--ext-proc-key", key.toString(), "--ext-proc-cert-refresh-s", "5");
        assertEquals(Duration.ofSeconds(5), old.context().extProc().tls().refresh());
        assertTrue(old.sources().warnings().get(0).contains("--ext-proc-cert-refresh-ms"),
            old.sources().warnings().toString());

        RouterContext now = fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--ext-proc-cert",
            cert.toString(), "--ext-proc-key", key.toString(), "--ext-proc-cert-refresh-ms", "1500");
        assertEquals(Duration.ofMillis(1500), now.extProc().tls().refresh());
        assertEquals(Duration.ofMillis(RouterContext.EXT_PROC_CERT_REFRESH_MS_DEFAULT), fromCommandLine(Map.of(),
            "--model", "m", "--pods", "a:1", "--ext-proc-cert", cert.toString(), "--ext-proc-key", key.toString())
            .extProc().tls().refresh());
        assertNull(fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--ext-proc-cert", cert.toString(),
            "--ext-proc-key", key.toString(), "--no-ext-proc-tls").extProc().tls());
        IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--model", "m", "--pods", "a:1", "--ext-proc-cert", cert.toString()));
        assertTrue(noKey.getMessage().contains("spillway.router.extProcKey"), noKey.getMessage());
    }
}
