package io.spillway.router.extproc;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** A picker over a fixed pod list on a real gRPC port, and a plaintext channel to it. */
final class PickerFixture implements AutoCloseable {
    static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();

    final BlockLocationIndex index = new BlockLocationIndex(100_000);
    final AtomicReference<List<Pod>> pods;
    final RequestScheduler scheduler;
    final EndpointPicker picker;
    final ExtProcServer server;
    final ManagedChannel channel;

    PickerFixture(List<Pod> pods, int maxBodyBytes, int shedAtWaiting, Objectives objectives) throws Exception {
        this(pods, maxBodyBytes, shedAtWaiting, objectives, null);
    }

    /** @param assumedMode the mode taken when Envoy announces none (null: inferred) */
    PickerFixture(List<Pod> pods, int maxBodyBytes, int shedAtWaiting, Objectives objectives,
                  ProcessingMode.BodySendMode assumedMode) throws Exception {
        this.pods = new AtomicReference<>(pods);
        scheduler = new RequestScheduler(index, this.pods::get, new PromptKeys(new CharacterTokenizer(1), NS),
            RoutingConfig.preset("llm-d-default"), TransferCostModel.defaults(), shedAtWaiting);
        picker = new EndpointPicker(scheduler, maxBodyBytes, objectives, Duration.ofMillis(50), assumedMode);
        server = new ExtProcServer(picker, "127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
            .maxInboundMessageSize(64 << 20).build();
    }

    /** Enters {@code prompt}'s blocks as held by {@code pod} in GPU memory. */
    void holds(String pod, String prompt) {
        RoutingRequest keyed = new PromptKeys(new CharacterTokenizer(1), NS).of(prompt).request();
        index.addAll(index.location(Location.pod(pod, Medium.GPU)), keyed.his(), keyed.los(), keyed.blocks());
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.close();
        index.close();
    }
}
