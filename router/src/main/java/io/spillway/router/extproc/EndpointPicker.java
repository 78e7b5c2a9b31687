package io.spillway.router.extproc;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.spillway.router.schedule.RequestScheduler;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Gateway API Inference Extension's endpoint picker (protocol 004) over Envoy's external processing protocol.
 * For each request the router answers with the {@value #DESTINATION} header and the same value in the
 * {@code envoy.lb} dynamic metadata: the chosen pod, then its fallbacks, comma-separated, IPv6 bracketed
 * ({@code [fd00::1]:8000}); {@value #PREFILLER} names the prefill pod of a split request. A subset hint narrows the
 * pods ({@link EndpointSubset}); the request's objective gives its priority ({@link Objectives}). No ready pod is a
 * 503, a sheddable request on saturated pods a 429, a body the router cannot read a 400, one over the limit a 413:
 * immediate responses. The gateway's report of the endpoint that served ({@value #SERVED} in the {@code envoy.lb}
 * metadata of a response message) moves the decision's speculative entries there when it fell back. How each
 * message is answered in each body mode, and how the mode is told when Envoy does not say, is {@link Exchange}'s.
 */
public final class EndpointPicker extends ExternalProcessorGrpc.ExternalProcessorImplBase implements AutoCloseable {
    public static final String DESTINATION = "x-gateway-destination-endpoint";
    public static final String SERVED = "x-gateway-destination-endpoint-served";
    public static final String PREFILLER = "x-prefiller-host-port";
    public static final String LB_NAMESPACE = "envoy.lb";
    public static final String SUBSET_NAMESPACE = EndpointSubset.NAMESPACE;
    public static final String SUBSET_KEY = EndpointSubset.KEY;
    /** How long a request's headers wait for a body piece when Envoy does not say its mode (Envoy 1.33). */
    public static final Duration DEFAULT_MODE_PROBE = Duration.ofMillis(50);

    final RequestScheduler scheduler;
    final int maxBodyBytes;
    final Objectives objectives;
    final long modeProbeNanos;
    /** The body mode taken when Envoy does not say it (no {@code protocol_config}); null: inferred. */
    final ProcessingMode.BodySendMode assumedMode;
    final ScheduledExecutorService timer;
    final LongAdder routed = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder inferred = new LongAdder();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final LongAdder streamsRefused = new LongAdder();
    private volatile int maxStreams = Integer.MAX_VALUE;

    /** @param maxBodyBytes the largest request body taken; a larger one is refused with 413 */
    public EndpointPicker(RequestScheduler scheduler, int maxBodyBytes) {
        this(scheduler, maxBodyBytes, Objectives.none(), DEFAULT_MODE_PROBE);
    }

    /**
     * @param objectives the objectives' priorities
     * @param modeProbe  how long headers wait for a body piece when Envoy does not say its mode; a piece within it
     *                   means full duplex, none means buffered (see {@link Exchange})
     */
    public EndpointPicker(RequestScheduler scheduler, int maxBodyBytes, Objectives objectives, Duration modeProbe) {
        this(scheduler, maxBodyBytes, objectives, modeProbe, null);
    }

    /**
     * @param assumedMode the body mode an Envoy that sends no {@code protocol_config} (1.33) is configured with, for
     *                    both directions; null: inferred from the messages within {@code modeProbe}. Naming it
     *                    removes the probe's one ambiguity: a full-duplex body whose first piece comes later than the
     *                    probe (a slow client) is otherwise taken for buffered or streamed
     */
    public EndpointPicker(RequestScheduler scheduler, int maxBodyBytes, Objectives objectives, Duration modeProbe,
                          ProcessingMode.BodySendMode assumedMode) {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1, got " + maxBodyBytes);
        }
        if (modeProbe.isNegative()) {
            throw new IllegalArgumentException("modeProbe must be >= 0, got " + modeProbe);
        }
        this.scheduler = scheduler;
        this.maxBodyBytes = maxBodyBytes;
        this.objectives = objectives;
        this.modeProbeNanos = modeProbe.toNanos();
        this.assumedMode = assumedMode;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spillway-extproc-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /** Requests given a destination. */
    public long routed() {
        return routed.sum();
    }

    /** Requests answered by the router itself (503, 429, 400, 413). */
    public long refused() {
        return refused.sum();
    }

    /** Requests whose body mode was inferred from the messages (Envoy sent no {@code protocol_config}). */
    public long inferred() {
        return inferred.sum();
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * At most {@code max} streams open at once ({@code spillway.router.extProcMaxStreams}); one more is answered
     * {@code RESOURCE_EXHAUSTED} at once and counted, so the buffered bodies stay bounded.
     */
    public EndpointPicker maxStreams(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxStreams must be >= 1, got " + max);
        }
        this.maxStreams = max;
        return this;
    }

    /** ext_proc streams open now. */
    public int openStreams() {
        return openStreams.get();
    }

    /** Streams refused at {@link #maxStreams(int)}. */
    public long streamsRefused() {
        return streamsRefused.sum();
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
        int max = maxStreams;
        if (openStreams.incrementAndGet() > max) {
            openStreams.decrementAndGet();
            streamsRefused.increment();
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription("the endpoint picker has " + max
                + " ext_proc streams open (spillway.router.extProcMaxStreams)").asRuntimeException());
            return new StreamObserver<>() {
                @Override
                public void onNext(ProcessingRequest value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                openStreams.decrementAndGet();
            }
        };
        Exchange exchange = new Exchange(this, new StreamObserver<>() {
            @Override
            public void onNext(ProcessingResponse value) {
                out.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                release.run();
                out.onError(t);
            }

            @Override
            public void onCompleted() {
                release.run();
                out.onCompleted();
            }
        });
        return new StreamObserver<>() {
            @Override
            public void onNext(ProcessingRequest value) {
                exchange.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                release.run();
                exchange.onError(t);
            }

            @Override
            public void onCompleted() {
                exchange.onCompleted();
                release.run();
            }
        };
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
