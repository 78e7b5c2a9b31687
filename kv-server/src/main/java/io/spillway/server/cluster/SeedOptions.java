package io.spillway.server.cluster;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.spillway.client.BearerToken;
import io.spillway.server.ServerContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where the {@code bin/spillway cluster} commands reach the cluster (any member's control address, a deadline) and
 * who they are there: nothing (a node with {@code spillway.security.mode=none}), a certificate with the {@code admin}
 * role and the authorities that sign the nodes ({@code mtls}), or a token with that role ({@code token}). Each file
 * option also reads an environment variable, so a pod that mounts an admin identity needs no flags.
 */
final class SeedOptions {
    /** A member on this host at the node's default control port. */
    static final String SEED_DEFAULT = ServerContext.BIND_DEFAULT + ":" + ServerContext.CONTROL_PORT_DEFAULT;
    static final long TIMEOUT_MS_DEFAULT = 5_000;

    @Option(names = "--seed", paramLabel = "HOST:PORT", split = ",",
        description = "control-plane address of any member (repeatable; default " + SEED_DEFAULT + ")")
    List<String> seeds = new ArrayList<>(List.of(SEED_DEFAULT));

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "deadline per call (default " + TIMEOUT_MS_DEFAULT
        + ")")
    long timeoutMs = TIMEOUT_MS_DEFAULT;

    @Option(names = "--cert", paramLabel = "FILE", defaultValue = "${env:SPILLWAY_CLI_CERT}",
        description = "PEM certificate with the admin role (a node's own serves status; mtls nodes; env SPILLWAY_CLI_CERT)")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", defaultValue = "${env:SPILLWAY_CLI_KEY}",
        description = "its PKCS#8 PEM key (env SPILLWAY_CLI_KEY)")
    Path key;

    @Option(names = "--trust", paramLabel = "FILE", defaultValue = "${env:SPILLWAY_CLI_TRUST}",
        description = "PEM authorities that sign the nodes' certificates; with it the calls use TLS "
            + "(env SPILLWAY_CLI_TRUST)")
    Path trust;

    @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:SPILLWAY_CLI_TOKEN_FILE}",
        description = "a token with the admin role (token-mode nodes; needs --trust; env SPILLWAY_CLI_TOKEN_FILE)")
    Path tokenFile;

    /** The credentials these options name; an {@link IllegalArgumentException} says what is missing. */
    ChannelCredentials credentials() {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        if (trust == null) {
            if (cert != null || tokenFile != null) {
                throw new IllegalArgumentException("--cert and --token-file need --trust (the authorities that sign the"
                    + " nodes): an identity is only ever sent over TLS");
            }
            return InsecureChannelCredentials.create();
        }
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        try {
            b.trustManager(trust.toFile());
            if (cert != null) {
                b.keyManager(cert.toFile(), key.toFile());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS files: " + e.getMessage(), e);
        }
        ChannelCredentials tls = b.build();
        if (tokenFile == null) {
            return tls;
        }
        byte[] token;
        try {
            token = Files.readString(tokenFile, StandardCharsets.US_ASCII).strip().getBytes(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --token-file " + tokenFile + ": " + e.getMessage(), e);
        }
        return CompositeChannelCredentials.create(tls, new BearerToken(() -> token));
    }
}
