package io.spillway.server.cluster;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.plugin.CachePluginContext;
import org.apache.ignite.plugin.CachePluginProvider;
import org.apache.ignite.plugin.ExtensionRegistry;
import org.apache.ignite.plugin.IgnitePlugin;
import org.apache.ignite.plugin.PluginConfiguration;
import org.apache.ignite.plugin.PluginContext;
import org.apache.ignite.plugin.PluginProvider;
import org.apache.ignite.plugin.PluginValidationException;

/**
 * The cluster's join secret: a member that cannot show it is refused before it joins the topology. Each member
 * carries, as a user attribute, HMAC-SHA256 of its own Ignite node id under the secret; the member that admits a
 * joining node (Ignite's coordinator calls {@link #validateNewNode}) recomputes it and refuses the join on a missing
 * or wrong proof. The node id is random per start, so a proof is good for that one join; it travels in the join
 * request, which only Ignite's TLS keeps from an eavesdropper (docs/security.md). Without a secret configured every
 * node is admitted, as before.
 */
final class JoinSecret implements PluginProvider<PluginConfiguration>, IgnitePlugin {
    static final String ATTR_PROOF = "spillway.joinProof";
    private static final String MAC = "HmacSHA256";

    private final byte[] secret;
    private final AtomicLong refused = new AtomicLong();

    private JoinSecret(byte[] secret) {
        this.secret = secret;
    }

    /** No secret: every joining node is admitted. */
    static JoinSecret none() {
        return new JoinSecret(null);
    }

    /** The secret in {@code file} (its content, surrounding whitespace removed); refused if empty or unreadable. */
    static JoinSecret fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException(ClusterContext.JOIN_SECRET_FILE_PROP + ": cannot read '" + file + "': "
                + e.getMessage(), e);
        }
        if (text.length() < 16) {
            throw new IllegalArgumentException(ClusterContext.JOIN_SECRET_FILE_PROP + ": '" + file + "' holds "
                + text.length() + " characters; a join secret needs at least 16");
        }
        return new JoinSecret(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Joins refused here (this member was the one to admit them). */
    long refused() {
        return refused.get();
    }

    boolean configured() {
        return secret != null;
    }

    /** This node's proof for the join, or null without a secret. */
    String proof(UUID nodeId) {
        return secret == null ? null : mac(secret, nodeId);
    }

    static String mac(byte[] secret, UUID nodeId) {
        try {
            Mac mac = Mac.getInstance(MAC);
            mac.init(new SecretKeySpec(secret, MAC));
            return HexFormat.of().formatHex(mac.doFinal(("spillway-join:" + nodeId).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC + " is part of every JDK", e);
        }
    }

    @Override
    public void validateNewNode(ClusterNode node) throws PluginValidationException {
        if (secret == null) {
            return;
        }
        Object shown = node.attribute(ATTR_PROOF);
        String expected = mac(secret, node.id());
        if (!(shown instanceof String s)
            || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), s.getBytes(StandardCharsets.US_ASCII))) {
            String why = shown == null ? "shows no join secret" : "shows a wrong join secret";
            refused.incrementAndGet();
            throw new PluginValidationException("node " + node.consistentId() + " at " + node.addresses() + " " + why
                + " (" + ClusterContext.JOIN_SECRET_FILE_PROP + "): refused",
                "refused by the cluster: this node " + why + " (" + ClusterContext.JOIN_SECRET_FILE_PROP
                    + " must hold the cluster's secret)", node.id());
        }
    }

    @Override
    public String name() {
        return "spillway-join-secret";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public String copyright() {
        return "Spillway";
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends IgnitePlugin> T plugin() {
        return (T) this;
    }

    @Override
    public void initExtensions(PluginContext ctx, ExtensionRegistry registry) {
    }

    @Override
    public <T> T createComponent(PluginContext ctx, Class<T> cls) {
        return null;
    }

    @Override
    public CachePluginProvider createCacheProvider(CachePluginContext ctx) {
        return null;
    }

    @Override
    public void start(PluginContext ctx) {
    }

    @Override
    public void stop(boolean cancel) {
    }

    @Override
    public void onIgniteStart() {
    }

    @Override
    public void onIgniteStop(boolean cancel) {
    }

    @Override
    public Serializable provideDiscoveryData(UUID nodeId) {
        return null;
    }

    @Override
    public void receiveDiscoveryData(UUID nodeId, Serializable data) {
    }
}
