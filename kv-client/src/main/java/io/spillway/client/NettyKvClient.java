package io.spillway.client;

/** The Netty implementation of {@link KvClient}. (Placeholder until the client lands.) */
final class NettyKvClient {
    private NettyKvClient() {
    }

    static KvClient connect(ClientContext context) {
        throw new UnsupportedOperationException("client not written yet");
    }
}
