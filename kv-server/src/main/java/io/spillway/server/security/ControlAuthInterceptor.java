package io.spillway.server.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.spillway.identity.PeerIdentity;
import io.spillway.identity.Role;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The control plane's gate: names the caller of every gRPC call (no security: {@link PeerIdentity#UNAUTHENTICATED};
 * mutual TLS: the certificate of the call's connection; token mode: the {@code authorization: Bearer} token), refuses
 * a call whose caller holds none of the roles its method needs ({@link ControlPlaneRoles}) with
 * {@code PERMISSION_DENIED}, and hands the identity to the service in {@link #IDENTITY} for its tenant checks.
 */
public final class ControlAuthInterceptor implements ServerInterceptor {
    /** The caller of the current call; set for every call that passed the gate. */
    public static final Context.Key<PeerIdentity> IDENTITY = Context.key("spillway.peerIdentity");
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
        Metadata.ASCII_STRING_MARSHALLER);
    static final String PLANE = "control";

    private final NodeSecurity security;
    private final AccessDenials denials;

    ControlAuthInterceptor(NodeSecurity security, AccessDenials denials) {
        this.security = security;
        this.denials = denials;
    }

    /** The current call's caller; a call that did not pass the gate has none, and is refused. */
    public static PeerIdentity current() {
        PeerIdentity who = IDENTITY.get();
        if (who == null) {
            throw Status.PERMISSION_DENIED.withDescription("the call has no identity")
                .asRuntimeException();
        }
        return who;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        PeerIdentity who;
        try {
            who = identify(call, headers);
        } catch (IllegalArgumentException | SSLPeerUnverifiedException e) {
            denials.refused(security.mode() == SecurityMode.TOKEN ? "bad_token" : "no_identity", PLANE,
                method + ": " + e.getMessage());
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Set<Role> allowed = ControlPlaneRoles.allowed(method);
        if (who.authenticated() && allowed.stream().noneMatch(who::has)) {
            String why = who + " may not call " + method + ": it needs one of the roles " + allowed;
            denials.denied(who, method.substring(method.lastIndexOf('/') + 1), PLANE, why);
            call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return Contexts.interceptCall(Context.current().withValue(IDENTITY, who), call, headers, next);
    }

    private PeerIdentity identify(ServerCall<?, ?> call, Metadata headers) throws SSLPeerUnverifiedException {
        return switch (security.mode()) {
            case NONE -> PeerIdentity.UNAUTHENTICATED;
            case MTLS -> {
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                if (session == null) {
                    throw new SSLPeerUnverifiedException("the call came without TLS");
                }
                yield security.certificateIdentity(session.getPeerCertificates());
            }
            case TOKEN -> {
                String value = headers.get(AUTHORIZATION);
                if (value == null || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                    throw new IllegalArgumentException("the call carries no 'authorization: Bearer <token>' header");
                }
                yield security.tokenIdentity(value.substring(7).trim());
            }
        };
    }
}
