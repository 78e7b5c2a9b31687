package io.spillway.server.security;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.spillway.identity.CertificateIdentity;
import io.spillway.identity.PeerIdentity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Sits behind the data plane's {@link SslHandler}: when the handshake completes, reads the identity the client's
 * certificate names and sets it on the channel ({@link #IDENTITY}), where the request handler checks every
 * operation against it; then leaves the pipeline. A failed handshake (a plaintext client, an untrusted certificate)
 * or a certificate that names nobody is counted and the connection closed before any request is read.
 */
public final class PeerIdentityHandler extends ChannelInboundHandlerAdapter {
    /** Who the channel's peer is; absent until it has proved it (then every request is refused). */
    public static final AttributeKey<PeerIdentity> IDENTITY = AttributeKey.valueOf("spillway.peerIdentity");
    public static final String PLANE = "data";

    private final CertificateIdentity names;
    private final AccessDenials denials;
    private final boolean certificateNamesPeer;

    /**
     * @param certificateNamesPeer mutual TLS: the identity comes from the client's certificate; false (token mode):
     *                             the handshake only protects the connection and the AUTH frame names the peer
     */
    PeerIdentityHandler(CertificateIdentity names, AccessDenials denials, boolean certificateNamesPeer) {
        this.names = names;
        this.denials = denials;
        this.certificateNamesPeer = certificateNamesPeer;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                denials.refused("handshake", PLANE, ctx.channel().remoteAddress() + ": " + done.cause());
                ctx.close();
                return;
            }
            if (certificateNamesPeer) {
                try {
                    ctx.channel().attr(IDENTITY).set(names.of(peerCertificate(ctx)));
                } catch (IllegalArgumentException | SSLPeerUnverifiedException e) {
                    denials.refused("no_identity", PLANE, ctx.channel().remoteAddress() + ": " + e.getMessage());
                    ctx.close();
                    return;
                }
            }
            ctx.pipeline().remove(this);
        }
        super.userEventTriggered(ctx, evt);
    }

    /** TLS errors were counted with the handshake; they close the connection without a stack trace in the log. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof SSLException || cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            ctx.close();
            return;
        }
        super.exceptionCaught(ctx, cause);
    }

    private static X509Certificate peerCertificate(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
        Certificate[] chain = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
            throw new SSLPeerUnverifiedException("the client presented no X.509 certificate");
        }
        return x;
    }
}
