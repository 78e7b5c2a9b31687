package io.spillway.certs;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.spillway.identity.CertificateAuthority;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a certificate authority and leaf certificates in one namespace's Secrets: the CA Secret is created once
 * (tls.crt, tls.key) and then only read; a leaf Secret ({@code kubernetes.io/tls}: tls.crt, tls.key, ca.crt) is
 * created when missing, re-issued when it no longer chains to the CA, names other identities or hosts than asked, or
 * expires within {@code renewBefore}, and otherwise left alone. A leaf Secret that this class did not write (no
 * {@link #MANAGED_BY_LABEL}) is never overwritten.
 */
public final class CertificateSecrets {
    private static final System.Logger LOG = System.getLogger(CertificateSecrets.class.getName());

    /** The label on every Secret written here; a leaf Secret without it is someone else's. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "spillway-certs";
    public static final String TLS_CRT = "tls.crt";
    public static final String TLS_KEY = "tls.key";
    public static final String CA_CRT = "ca.crt";

    /** What a run did to one Secret. */
    public enum Outcome { CREATED, RENEWED, UNCHANGED }

    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;

    public CertificateSecrets(KubernetesClient client, String namespace, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The authority kept in {@code secret}, created (named {@code CN=commonName}) when the Secret is missing. */
    public Authority authority(String secret, String commonName, Duration validity) {
        Secret existing = get(secret);
        if (existing != null) {
            String cert = data(existing, TLS_CRT);
            String key = data(existing, TLS_KEY);
            if (cert == null || key == null) {
                throw new CertsFailure(CertsFailure.Reason.BAD_CA_SECRET, "the CA Secret " + namespace + "/" + secret
                    + " has no " + (cert == null ? TLS_CRT : TLS_KEY) + ": it must hold the CA's certificate and key"
                    + " under tls.crt and tls.key (delete it to have a new CA made)");
            }
            try {
                return new Authority(CertificateAuthority.load(cert, key), Outcome.UNCHANGED);
            } catch (IllegalArgumentException e) {
                throw new CertsFailure(CertsFailure.Reason.BAD_CA_SECRET, "the CA Secret " + namespace + "/" + secret
                    + " holds no usable certificate and key: " + e.getMessage(), e);
            }
        }
        CertificateAuthority ca = CertificateAuthority.create(commonName, validity);
        Map<String, String> data = new LinkedHashMap<>();
        data.put(TLS_CRT, ca.certificatePem());
        data.put(TLS_KEY, ca.keyPem());
        call("create", secret, () -> client.secrets().inNamespace(namespace).resource(secret(secret, data, null))
            .create());
        return new Authority(ca, Outcome.CREATED);
    }

    /** Makes {@code leaf}'s Secret hold a current certificate from {@code ca} for exactly what it asks. */
    public Outcome ensure(CertificateAuthority ca, LeafSpec leaf, Duration validity, Duration renewBefore) {
        Secret existing = get(leaf.secret());
        if (existing != null) {
            Map<String, String> labels = existing.getMetadata().getLabels();
            if (labels == null || !MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL))) {
                throw new CertsFailure(CertsFailure.Reason.NOT_OURS, "the Secret " + namespace + "/" + leaf.secret()
                    + " exists and was not written by spillway certs (no label " + MANAGED_BY_LABEL + "="
                    + MANAGED_BY + "): it is left alone; delete it, or name it with "
                    + "security.certificates.source existingSecrets");
            }
            String stale = staleness(existing, ca, leaf, renewBefore);
            if (stale == null) {
                return Outcome.UNCHANGED;
            }
            LOG.log(Level.INFO, "re-issuing {0}/{1}: {2}", namespace, leaf.secret(), stale);
        }
        CertificateAuthority.Leaf issued = ca.issue(leaf.subject(), validity);
        Map<String, String> data = new LinkedHashMap<>();
        data.put(TLS_CRT, issued.certificatePem());
        data.put(TLS_KEY, issued.keyPem());
        data.put(CA_CRT, ca.certificatePem());
        if (existing == null) {
            call("create", leaf.secret(), () -> client.secrets().inNamespace(namespace)
                .resource(secret(leaf.secret(), data, null)).create());
            return Outcome.CREATED;
        }
        call("update", leaf.secret(), () -> client.secrets().inNamespace(namespace)
            .resource(secret(leaf.secret(), data, existing.getMetadata().getResourceVersion())).update());
        return Outcome.RENEWED;
    }

    /** Why the leaf in {@code s} must be re-issued, or null when it is current. */
    private @Nullable String staleness(Secret s, CertificateAuthority ca, LeafSpec leaf, Duration renewBefore) {
        String pem = data(s, TLS_CRT);
        if (pem == null || data(s, TLS_KEY) == null) {
            return "no tls.crt or tls.key";
        }
        if (!ca.certificatePem().equals(data(s, CA_CRT))) {
            return "its ca.crt is not the CA's certificate";
        }
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
            cert.verify(ca.certificate().getPublicKey());
        } catch (GeneralSecurityException e) {
            return "its certificate is unreadable or not signed by the CA (" + e.getMessage() + ")";
        }
        Instant renewAt = cert.getNotAfter().toInstant().minus(renewBefore);
        if (!clock.instant().isBefore(renewAt)) {
            return "it expires " + cert.getNotAfter().toInstant() + ", within " + renewBefore;
        }
        if (!cert.getSubjectX500Principal().getName().equals("CN=" + leaf.commonName())) {
            return "its subject is " + cert.getSubjectX500Principal().getName();
        }
        Names names = Names.of(cert);
        if (!names.uris().equals(Set.copyOf(leaf.uris())) || !names.hosts().equals(Set.copyOf(leaf.hosts()))) {
            return "it names " + names + ", not " + leaf.uris() + " " + leaf.hosts();
        }
        return null;
    }

    /** The URI names and the DNS/IP names of a certificate. */
    public record Names(Set<String> uris, Set<String> hosts) {
        public static Names of(X509Certificate cert) {
            Set<String> uris = new HashSet<>();
            Set<String> hosts = new HashSet<>();
            try {
                Collection<List<?>> sans = cert.getSubjectAlternativeNames();
                if (sans != null) {
                    for (List<?> san : sans) {
                        int type = (Integer) san.get(0);
                        if (type == 6) {
                            uris.add(String.valueOf(san.get(1)));
                        } else if (type == 2 || type == 7) {
                            hosts.add(String.valueOf(san.get(1)));
                        }
                    }
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("unreadable subject alternative names: " + e.getMessage(), e);
            }
            return new Names(uris, hosts);
        }
    }

    /** The authority, and whether this run made it. */
    public record Authority(CertificateAuthority ca, Outcome outcome) {
    }

    private @Nullable Secret get(String name) {
        return call("get", name, () -> client.secrets().inNamespace(namespace).withName(name).get());
    }

    private Secret secret(String name, Map<String, String> text, @Nullable String resourceVersion) {
        Map<String, String> data = new LinkedHashMap<>();
        text.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(name).withNamespace(namespace)
            .addToLabels(MANAGED_BY_LABEL, MANAGED_BY);
        if (resourceVersion != null) {
            meta.withResourceVersion(resourceVersion);
        }
        return new SecretBuilder().withMetadata(meta.build()).withType("kubernetes.io/tls").withData(data).build();
    }

    private static @Nullable String data(Secret s, String key) {
        Map<String, String> data = s.getData();
        String v = data == null ? null : data.get(key);
        if (v != null) {
            return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
        }
        Map<String, String> text = s.getStringData();
        return text == null ? null : text.get(key);
    }

    /** Runs one API call, turning the client's failure into a named one that says what to do. */
    private <T> T call(String verb, String name, Supplier<T> request) {
        try {
            return request.get();
        } catch (KubernetesClientException e) {
            throw failure(e, verb, name);
        }
    }

    private CertsFailure failure(KubernetesClientException e, String verb, String name) {
        String what = verb + " secrets/" + name + " in namespace " + namespace;
        int code = e.getCode();
        if (code == 403) {
            return new CertsFailure(CertsFailure.Reason.FORBIDDEN, "the API server forbids " + what + " (403): the "
                + "ServiceAccount needs get, create and update on these Secrets (the chart's -certs Role)", e);
        }
        if (code == 401) {
            return new CertsFailure(CertsFailure.Reason.UNAUTHORIZED, "the API server refused the credentials for "
                + what + " (401): is a ServiceAccount token mounted?", e);
        }
        if (code > 0) {
            return new CertsFailure(CertsFailure.Reason.API_ERROR, "the API server answered " + code + " to " + what
                + ": " + e.getMessage(), e);
        }
        List<String> causes = new ArrayList<>();
        for (Throwable t = e; t != null && causes.size() < 4; t = t.getCause()) {
            causes.add(t.getClass().getSimpleName() + ": " + t.getMessage());
        }
        return new CertsFailure(CertsFailure.Reason.API_UNREACHABLE, "cannot reach the Kubernetes API at "
            + client.getMasterUrl() + " to " + what + " (" + String.join(" <- ", causes) + ")",
            e.getCause() instanceof IOException io ? io : e);
    }
}
