package io.spillway.identity;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who is on the other end of a connection: the tenant it acts for (null for a peer that acts for none, a router or
 * an admin) and its roles, as its certificate or token named them. {@link #UNAUTHENTICATED} stands for every peer
 * of a node that runs without security: it may do everything, as before identities existed.
 *
 * @param subject how logs and errors name the peer (the certificate's URI, or the token's subject)
 */
public record PeerIdentity(String subject, @Nullable String tenant, Set<Role> roles, boolean authenticated) {
    /** Any peer of a node without security: every role, every tenant. */
    public static final PeerIdentity UNAUTHENTICATED = new PeerIdentity("unauthenticated", null,
        EnumSet.allOf(Role.class), false);

    public PeerIdentity {
        if (roles.isEmpty()) {
            throw new IllegalArgumentException(subject + " names no role");
        }
        roles = Collections.unmodifiableSet(EnumSet.copyOf(roles));
        if (roles.contains(Role.CLIENT) && tenant == null && authenticated) {
            throw new IllegalArgumentException(subject + " has the client role but names no tenant");
        }
    }

    /** An authenticated peer. */
    public static PeerIdentity of(String subject, @Nullable String tenant, Set<Role> roles) {
        return new PeerIdentity(subject, tenant, roles, true);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    /**
     * Whether this peer may read and write blocks of {@code namespaceTenant}: its own tenant with the client role,
     * any tenant as a node (handoff) or when security is off.
     */
    public boolean mayUseTenant(String namespaceTenant) {
        if (!authenticated || has(Role.NODE)) {
            return true;
        }
        return has(Role.CLIENT) && namespaceTenant.equals(tenant);
    }

    /** The tenant label of metrics and messages: the tenant, else the first role. */
    public String metricTenant() {
        return tenant != null ? tenant : authenticated ? "(" + roles.iterator().next().label() + ")" : "(none)";
    }

    @Override
    public String toString() {
        return subject + (tenant == null ? "" : " (tenant " + tenant + ")") + " " + roles;
    }
}
