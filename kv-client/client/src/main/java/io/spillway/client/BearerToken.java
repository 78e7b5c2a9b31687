package io.spillway.client;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Token mode on the control plane: every call carries {@code authorization: Bearer <token>}, read fresh. Public for
 * the command-line tools that make their own calls ({@code spillway cluster}).
 */
public final class BearerToken extends CallCredentials {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
        Metadata.ASCII_STRING_MARSHALLER);

    private final Supplier<byte[]> token;

    public BearerToken(Supplier<byte[]> token) {
        this.token = token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        executor.execute(() -> {
            try {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + new String(token.get(), StandardCharsets.UTF_8));
                applier.apply(headers);
            } catch (KvClientException e) {
                applier.fail(Status.UNAUTHENTICATED.withDescription(e.getMessage()).withCause(e));
            }
        });
    }
}
