package io.spillway.router.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.config.PropertySources;
import io.spillway.key.Namespace;
import io.spillway.router.limits.RouterLimits;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The router's limits are settings: layered like the others, defaults stated once, bad values named. */
class RouterLimitsSettingsTest {
    private static RouterContext.Builder base() {
        return RouterContext.builder().namespace(Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
            .build()).staticPod("a:1");
    }

    @Test
    void limitsAreReadFromTheLayersAndDefaultOtherwise() {
        RouterLimits defaults = base().build().limits();
        assertEquals(RouterContext.DEFAULT_LIMITS, defaults);
        PropertySources sources = new PropertySources().environment(Map.of(
            "SPILLWAY_ROUTER_PROXY_MAX_QUEUED", "7", "SPILLWAY_ROUTER_UPSTREAM_READ_TIMEOUT_MS", "1500",
            "SPILLWAY_ROUTER_HTTP_REQUEST_READ_TIMEOUT_MS", "0", "SPILLWAY_ROUTER_MAX_SPECULATIVE_KEYS", "99"));
        RouterLimits set = base().load(sources).build().limits();
        assertEquals(7, set.proxyMaxQueued());
        assertEquals(1500, set.upstreamReadTimeoutMs());
        assertEquals(0, set.http().requestReadTimeoutMs(), "0 turns a timeout off");
        assertEquals(99, set.maxSpeculativeKeys());
        assertEquals(RouterContext.PROXY_MAX_CONNECTIONS_DEFAULT, set.proxy().maxConnections());
    }

    @Test
    void aBadLimitIsRefusedNamingItsPropertyAndOrigin() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
            () -> base().limit(RouterContext.PROXY_MAX_QUEUED_PROP, 0));
        assertTrue(zero.getMessage().contains(RouterContext.PROXY_MAX_QUEUED_PROP), zero.getMessage());
        IllegalArgumentException env = assertThrows(IllegalArgumentException.class, () -> base().load(
            new PropertySources().environment(Map.of("SPILLWAY_ROUTER_UPSTREAM_READ_TIMEOUT_MS", "-5"))));
        assertTrue(env.getMessage().contains(RouterContext.UPSTREAM_READ_TIMEOUT_MS_PROP)
            && env.getMessage().contains("environment"), env.getMessage());
        IllegalArgumentException peers = assertThrows(IllegalArgumentException.class, () -> base()
            .limit(RouterContext.HTTP_MAX_CONNECTIONS_PROP, 4).limit(RouterContext.HTTP_MAX_CONNECTIONS_PER_PEER_PROP, 8)
            .build());
        assertTrue(peers.getMessage().contains(RouterContext.HTTP_MAX_CONNECTIONS_PER_PEER_PROP), peers.getMessage());
    }
}
