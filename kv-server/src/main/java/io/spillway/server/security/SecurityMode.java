package io.spillway.server.security;

import java.util.Locale;

/** How a node's peers prove who they are (docs/security.md). */
public enum SecurityMode {
    /** Plaintext, no identity: every peer may do everything. The node warns at start-up. */
    NONE,
    /** TLS with a client certificate required; tenant and roles from its URI. */
    MTLS,
    /** TLS without client certificates; tenant and roles from a signed token each connection presents. */
    TOKEN;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
