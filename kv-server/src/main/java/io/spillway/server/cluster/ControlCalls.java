package io.spillway.server.cluster;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.spillway.control.v1.ControlGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** One control-plane call to a member at {@code host:port}, or to the first of several seeds that answers. */
final class ControlCalls {
    private ControlCalls() {
    }

    /** Calls {@code rpc} on the member at {@code address} with a deadline; the channel is closed afterwards. */
    static <T> T call(String address, ChannelCredentials credentials, long timeoutMillis,
                      Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        return call("address", address, credentials, timeoutMillis, rpc);
    }

    /** As {@link #call(String, ChannelCredentials, long, Function)}; {@code what} names the address ("seed"). */
    static <T> T call(String what, String address, ChannelCredentials credentials, long timeoutMillis,
                      Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException(what + " must be HOST:PORT, got '" + address + "'");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + address + "'");
        }
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(address.substring(0, colon), port, credentials)
            .build();
        try {
            return rpc.apply(ControlGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis,
                TimeUnit.MILLISECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    /** The answer of the first seed that gives one: {@code [seed, answer]}; every seed's failure otherwise. */
    static <T> Answer<T> first(List<String> seeds, ChannelCredentials credentials, long timeoutMillis,
                               Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        List<String> failures = new ArrayList<>();
        for (String seed : seeds) {
            try {
                return new Answer<>(seed, call("seed", seed, credentials, timeoutMillis, rpc), List.of());
            } catch (StatusRuntimeException | IllegalArgumentException e) {
                failures.add(seed + ": " + e.getMessage());
            }
        }
        return new Answer<>(null, null, failures);
    }

    /** A seed's answer, or (seed and value null) the failures of all seeds. */
    record Answer<T>(String seed, T value, List<String> failures) {
        boolean answered() {
            return seed != null;
        }
    }
}
