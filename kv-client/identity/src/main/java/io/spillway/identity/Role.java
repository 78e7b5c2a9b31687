package io.spillway.identity;

import java.util.Locale;

/**
 * What a peer may do (docs/security.md). A certificate or token names one or more roles; each role grants its own
 * operations and no others.
 */
public enum Role {
    /** Data operations (PUT, GET, LOOKUP) and namespace registration, in its own tenant only. */
    CLIENT,
    /** The router: the event feed's snapshots and the partition map; no block bytes. */
    ROUTER,
    /** Tenant quotas, namespace specs (replication), any tenant's namespace list. */
    ADMIN,
    /** Another node of the cluster: data operations in every tenant (handoff, replicas) and peer status calls. */
    NODE;

    /** The role a certificate URI or token claim names ({@code client}, {@code router}, ...), case-insensitive. */
    public static Role parse(String name) {
        for (Role r : values()) {
            if (r.name().equalsIgnoreCase(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "'; known: client, router, admin, node");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
