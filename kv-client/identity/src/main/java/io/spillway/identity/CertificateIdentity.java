package io.spillway.identity;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a peer's identity from its certificate's subject alternative names: URIs of the form
 * {@code spiffe://<trust domain>/tenant/<tenant>/role/<role>} (a tenant's client) or
 * {@code spiffe://<trust domain>/role/<role>} (a router, an admin, a node). Several such URIs add their roles; they
 * must agree on the tenant. URIs of other trust domains or shapes are ignored; a certificate with none of ours
 * names nobody and is refused.
 */
public final class CertificateIdentity {
    /** Tenant names: what a namespace's tenant field may hold and a URI path segment can carry as it is. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final int SAN_URI = 6;

    private final String trustDomain;

    public CertificateIdentity(String trustDomain) {
        this.trustDomain = checkTrustDomain(trustDomain);
    }

    /** {@code trustDomain} when it is a plain name; an {@link IllegalArgumentException} otherwise. */
    public static String checkTrustDomain(String trustDomain) {
        if (!NAME.matcher(trustDomain).matches()) {
            throw new IllegalArgumentException("trust domain '" + trustDomain + "' must match " + NAME.pattern());
        }
        return trustDomain;
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** The identity {@code cert} names; an {@link IllegalArgumentException} says why it names none. */
    public PeerIdentity of(X509Certificate cert) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("certificate " + cert.getSubjectX500Principal()
                + " has unreadable subject alternative names: " + e.getMessage(), e);
        }
        String tenant = null;
        Set<Role> roles = EnumSet.noneOf(Role.class);
        String subject = null;
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() < 2 || !(name.get(0) instanceof Integer type) || type != SAN_URI
                    || !(name.get(1) instanceof String uri)) {
                    continue;
                }
                Parsed p = parse(uri);
                if (p == null) {
                    continue;
                }
                if (p.tenant != null) {
                    if (tenant != null && !tenant.equals(p.tenant)) {
                        throw new IllegalArgumentException("certificate " + cert.getSubjectX500Principal()
                            + " names two tenants, " + tenant + " and " + p.tenant);
                    }
                    tenant = p.tenant;
                }
                roles.add(p.role);
                subject = subject == null ? uri : subject;
            }
        }
        if (subject == null) {
            throw new IllegalArgumentException("certificate " + cert.getSubjectX500Principal()
                + " has no URI spiffe://" + trustDomain + "/[tenant/<tenant>/]role/<role>");
        }
        return PeerIdentity.of(subject, tenant, roles);
    }

    /** The URI a certificate for {@code tenant} (null: none) and {@code role} carries. */
    public String uri(@Nullable String tenant, Role role) {
        return "spiffe://" + trustDomain + (tenant == null ? "" : "/tenant/" + tenant) + "/role/" + role.label();
    }

    private record Parsed(@Nullable String tenant, Role role) {
    }

    private @Nullable Parsed parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return null;
        }
        if (!"spiffe".equals(uri.getScheme()) || !trustDomain.equals(uri.getHost()) || uri.getRawPath() == null
            || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return null;
        }
        String[] parts = uri.getRawPath().split("/", -1);
        // "", "tenant", t, "role", r   or   "", "role", r
        if (parts.length == 5 && parts[1].equals("tenant") && parts[3].equals("role")) {
            return new Parsed(tenantName(parts[2], text), Role.parse(parts[4]));
        }
        if (parts.length == 3 && parts[1].equals("role")) {
            return new Parsed(null, Role.parse(parts[2]));
        }
        throw new IllegalArgumentException("URI " + text + " is in trust domain " + trustDomain
            + " but not of the form spiffe://" + trustDomain + "/[tenant/<tenant>/]role/<role>");
    }

    /** Checks a tenant name from a certificate or token; the error names where it came from. */
    public static String tenantName(String tenant, String from) {
        if (!NAME.matcher(tenant).matches()) {
            throw new IllegalArgumentException("tenant '" + tenant + "' in " + from + " must match " + NAME.pattern());
        }
        return tenant;
    }
}
