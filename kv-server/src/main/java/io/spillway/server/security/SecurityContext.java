package io.spillway.server.security;

import io.spillway.config.PropertyReader;
import io.spillway.identity.CertificateIdentity;
import io.spillway.identity.TlsFiles;
import io.spillway.server.SettingsSection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code spillway.security.*} settings of one node (docs/security.md, docs/operations.md): who may talk to its
 * data plane and control plane, and how they prove it. {@code mtls} (the default) asks every peer for a certificate
 * signed by the trusted authorities and takes tenant and roles from it, so a node given no certificate files does not
 * start; {@code none} serves anyone in plaintext, only when said explicitly, with a warning at start-up; {@code token} serves TLS without client certificates and takes them from a signed
 * token each connection presents. Every error names the property, the value and where it came from.
 */
public final class SecurityContext {
    public static final String PREFIX = "spillway.security.";
    /** {@code none}, {@code mtls} or {@code token}. */
    public static final String MODE_PROP = PREFIX + "mode";
    public static final SecurityMode MODE_DEFAULT = SecurityMode.MTLS;
    /** The node's certificate chain, PEM; re-read when its content changes. */
    public static final String CERT_FILE_PROP = PREFIX + "certFile";
    /** The node's private key (PKCS#8 PEM); re-read with the certificate. */
    public static final String KEY_FILE_PROP = PREFIX + "keyFile";
    /** The authorities that sign peers' certificates, PEM (mtls: clients, routers, admins, other nodes). */
    public static final String TRUST_FILE_PROP = PREFIX + "trustFile";
    /** The trust domain of the identity URIs, {@code spiffe://<domain>/tenant/<t>/role/<r>}. */
    public static final String TRUST_DOMAIN_PROP = PREFIX + "trustDomain";
    public static final String TRUST_DOMAIN_DEFAULT = "spillway";
    /** How often the certificate, key, trust and token-key files are checked for new content, in milliseconds. */
    public static final String REFRESH_MS_PROP = PREFIX + "refreshMs";
    public static final long REFRESH_MS_DEFAULT = 5_000;
    /** Token mode: the HMAC-SHA256 key tokens are signed with (at least 32 bytes); re-read when it changes. */
    public static final String TOKEN_KEY_FILE_PROP = PREFIX + "tokenKeyFile";

    static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(MODE_PROP, MODE_DEFAULT.name().toLowerCase(Locale.ROOT));
        d.put(CERT_FILE_PROP, null);
        d.put(KEY_FILE_PROP, null);
        d.put(TRUST_FILE_PROP, null);
        d.put(TRUST_DOMAIN_PROP, TRUST_DOMAIN_DEFAULT);
        d.put(REFRESH_MS_PROP, String.valueOf(REFRESH_MS_DEFAULT));
        d.put(TOKEN_KEY_FILE_PROP, null);
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final SecurityMode mode;
    private final Path certFile;
    private final Path keyFile;
    private final Path trustFile;
    private final String trustDomain;
    private final long refreshMs;
    private final Path tokenKeyFile;

    private SecurityContext(PropertyReader r) {
        mode = r.enumValue(MODE_PROP, SecurityMode.class).orElseThrow();
        certFile = r.path(CERT_FILE_PROP).orElse(null);
        keyFile = r.path(KEY_FILE_PROP).orElse(null);
        trustFile = r.path(TRUST_FILE_PROP).orElse(null);
        trustDomain = r.string(TRUST_DOMAIN_PROP).orElseThrow();
        try {
            CertificateIdentity.checkTrustDomain(trustDomain);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TRUST_DOMAIN_PROP + ": " + e.getMessage(), e);
        }
        refreshMs = r.longValue(REFRESH_MS_PROP, 10, 3_600_000).orElseThrow();
        tokenKeyFile = r.path(TOKEN_KEY_FILE_PROP).orElse(null);
        String plaintextHint = " (" + MODE_PROP + " is " + MODE_DEFAULT.label() + " unless set; for a trusted local"
            + " run without identities set " + MODE_PROP + "=none, which serves anyone in plaintext)";
        if (mode != SecurityMode.NONE && (certFile == null || keyFile == null)) {
            throw new IllegalArgumentException(MODE_PROP + "=" + mode.label() + " needs the node's certificate and key: "
                + "set " + CERT_FILE_PROP + " and " + KEY_FILE_PROP + plaintextHint);
        }
        if (mode == SecurityMode.MTLS && trustFile == null) {
            throw new IllegalArgumentException(MODE_PROP + "=mtls needs the authorities that sign peers: set "
                + TRUST_FILE_PROP + plaintextHint);
        }
        if (mode == SecurityMode.TOKEN && tokenKeyFile == null) {
            throw new IllegalArgumentException(MODE_PROP + "=token needs the key tokens are signed with: set "
                + TOKEN_KEY_FILE_PROP);
        }
    }

    /** Reads the {@code spillway.security.*} entries of {@code values}; unknown ones are rejected. */
    public static SecurityContext from(Map<String, String> values, Map<String, String> origins) {
        return new SecurityContext(SettingsSection.read(PREFIX, DEFAULTS, values, origins,
            k -> DEFAULTS.containsKey(k) ? k : null));
    }

    public SecurityMode mode() { return mode; }
    public Optional<Path> certFile() { return Optional.ofNullable(certFile); }
    public Optional<Path> keyFile() { return Optional.ofNullable(keyFile); }
    public Optional<Path> trustFile() { return Optional.ofNullable(trustFile); }
    public String trustDomain() { return trustDomain; }
    public long refreshMs() { return refreshMs; }
    public Optional<Path> tokenKeyFile() { return Optional.ofNullable(tokenKeyFile); }

    /** The node's TLS files; only for a mode other than {@code none}. */
    public TlsFiles tlsFiles() {
        if (mode == SecurityMode.NONE) {
            throw new IllegalStateException(MODE_PROP + "=none has no TLS files");
        }
        return new TlsFiles(certFile, keyFile, trustFile, Duration.ofMillis(refreshMs));
    }

    /** Names of the settings, in documentation order. */
    public static Map<String, String> defaults() {
        return DEFAULTS;
    }
}
