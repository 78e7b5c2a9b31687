package io.spillway.server.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.spillway.identity.CertificateIdentity;
import io.spillway.identity.PeerIdentity;
import io.spillway.identity.Role;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Arrays;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Checks the signed tokens of token mode (docs/security.md): a compact JWS, {@code HS256} only (any other
 * {@code alg}, {@code none} included, is refused before the signature is looked at), signed with the key in
 * {@code spillway.security.tokenKeyFile}, with claims {@code sub}, {@code exp} (required, in the future),
 * {@code nbf} (optional), {@code roles} (list of role names) and {@code tenant} (required with the client role).
 * The key file is re-read when its content changes ({@link #refresh}); a key shorter than 32 bytes is refused.
 * Nimbus JOSE+JWT does the parsing and the constant-time MAC check.
 */
final class TokenVerifier {
    private static final Logger LOG = System.getLogger(TokenVerifier.class.getName());
    /** Clock skew allowed on {@code exp} and {@code nbf}, in milliseconds. */
    static final long SKEW_MS = 30_000;
    static final int MAX_TOKEN_CHARS = 8192;

    private final Path keyFile;
    private volatile MACVerifier verifier;
    private byte[] keyBytes = new byte[0];

    TokenVerifier(Path keyFile) {
        this.keyFile = keyFile;
        try {
            load();
        } catch (IOException | JOSEException | RuntimeException e) {
            throw new IllegalArgumentException("cannot use the token key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** Re-reads the key file if it changed; a bad new key is logged and the old one kept. */
    synchronized void refresh() {
        try {
            load();
        } catch (IOException | JOSEException | RuntimeException e) {
            LOG.log(Level.WARNING, "keeping the token key in use; " + keyFile + " cannot be used yet: " + e);
        }
    }

    private synchronized void load() throws IOException, JOSEException {
        byte[] k = Files.readAllBytes(keyFile);
        if (Arrays.equals(k, keyBytes)) {
            return;
        }
        if (k.length < 32) {
            throw new IllegalArgumentException("an HS256 key needs at least 32 bytes, " + keyFile + " has " + k.length);
        }
        verifier = new MACVerifier(k);
        keyBytes = k;
    }

    /** The identity {@code token} names; an {@link IllegalArgumentException} says why it names none. */
    PeerIdentity verify(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new IllegalArgumentException("token of " + token.length() + " characters; at most "
                + MAX_TOKEN_CHARS);
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
                throw new IllegalArgumentException("token algorithm " + jwt.getHeader().getAlgorithm()
                    + " is not accepted; HS256 only");
            }
            if (!jwt.verify(verifier)) {
                throw new IllegalArgumentException("token signature does not verify with the node's token key");
            }
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a signed token (compact JWS): " + e.getMessage(), e);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("token signature cannot be checked: " + e.getMessage(), e);
        }
        long now = System.currentTimeMillis();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new IllegalArgumentException("token has no 'exp' claim; tokens must expire");
        }
        if (exp.getTime() + SKEW_MS < now) {
            throw new IllegalArgumentException("token expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.getTime() - SKEW_MS > now) {
            throw new IllegalArgumentException("token is not valid before " + nbf.toInstant());
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("token has no 'sub' claim");
        }
        List<String> roleNames;
        String tenant;
        try {
            roleNames = claims.getStringListClaim("roles");
            tenant = claims.getStringClaim("tenant");
        } catch (ParseException e) {
            throw new IllegalArgumentException("token claims 'roles' (a list of strings) or 'tenant' (a string) have "
                + "the wrong type: " + e.getMessage(), e);
        }
        if (roleNames == null || roleNames.isEmpty()) {
            throw new IllegalArgumentException("token of " + subject + " names no 'roles'");
        }
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String r : roleNames) {
            roles.add(Role.parse(r));
        }
        if (tenant != null) {
            CertificateIdentity.tenantName(tenant, "the token of " + subject);
        }
        return PeerIdentity.of("token:" + subject, tenant, roles);
    }
}
