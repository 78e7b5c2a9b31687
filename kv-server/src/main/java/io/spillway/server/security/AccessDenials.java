package io.spillway.server.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.spillway.identity.PeerIdentity;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * Counts every refusal on the node's security boundary, by name (docs/security.md):
 * {@code spillway_permission_denied_total{tenant, op, plane}} for an identified peer asking for what it may not do
 * (another tenant's namespace, a role it does not hold), and {@code spillway_auth_refused_total{reason, plane}} for a
 * peer that never proved who it is (a failed TLS handshake, a certificate or token that names nobody). Each
 * refusal is also logged, at most once a second per kind, so a flood cannot fill the log.
 */
public final class AccessDenials {
    private static final Logger LOG = System.getLogger(AccessDenials.class.getName());
    static final String DENIED = "spillway.permission.denied";
    static final String REFUSED = "spillway.auth.refused";

    private final MeterRegistry registry;
    private volatile long lastLogNanos = System.nanoTime() - 2_000_000_000L;

    public AccessDenials(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code who} asked for {@code op} on {@code plane} ({@code data}, {@code control}) and was denied. */
    public void denied(PeerIdentity who, String op, String plane, String why) {
        Counter.builder(DENIED).description("requests denied because the caller's tenant or role does not allow them")
            .tag("tenant", who.metricTenant()).tag("op", op).tag("plane", plane).register(registry).increment();
        log(() -> "permission denied on the " + plane + " plane: " + why);
    }

    /** A peer on {@code plane} was refused before it had an identity; {@code reason} is a short name. */
    public void refused(String reason, String plane, String why) {
        Counter.builder(REFUSED).description("connections and calls refused because the peer proved no identity")
            .tag("reason", reason).tag("plane", plane).register(registry).increment();
        log(() -> "authentication refused on the " + plane + " plane (" + reason + "): " + why);
    }

    /** Denials counted for {@code tenant} (the caller's), every op and plane. */
    public double deniedCount(String tenant) {
        return registry.find(DENIED).tag("tenant", tenant).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Refusals counted for {@code reason}, every plane. */
    public double refusedCount(String reason) {
        return registry.find(REFUSED).tag("reason", reason).counters().stream().mapToDouble(Counter::count).sum();
    }

    private void log(Supplier<String> message) {
        long now = System.nanoTime();
        if (now - lastLogNanos >= 1_000_000_000L) {
            lastLogNanos = now;
            LOG.log(Level.WARNING, message);
        }
    }
}
