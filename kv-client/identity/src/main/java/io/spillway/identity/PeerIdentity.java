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

    /**
     * Whether this peer is told that a namespace is not registered ({@code UNKNOWN_NAMESPACE}): when security is off,
     * and to a node or an admin (who may list every tenant's namespaces anyway). Any other peer (a client, a router)
     * is answered for a namespace nobody registered exactly as for another tenant's ({@link #refusedNamespace}), so
     * that it cannot learn which namespace ids other tenants registered.
     */
    public boolean learnsUnregisteredNamespaces() {
        return !authenticated || has(Role.NODE) || has(Role.ADMIN);
    }

    /**
     * The one refusal, for a peer that does not {@link #learnsUnregisteredNamespaces learn of unregistered
     * namespaces}, of a namespace it may not use: the same words whether nobody registered it or another tenant
     * did, naming neither.
     */
    public String refusedNamespace(String op, Object namespace) {
        return this + " may not " + op + " in namespace " + namespace + ": it is not a registered namespace of "
            + (tenant == null ? "a tenant this identity acts for" : "tenant " + tenant)
            + " (if it is yours, register it first)";
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
