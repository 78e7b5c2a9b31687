package io.spillway.router.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spillway.listener.ListenerCounters;
import io.spillway.placement.routing.Decision;
import io.spillway.router.extproc.EndpointPicker;
import io.spillway.router.proxy.ProxyCounters;
import io.spillway.router.schedule.Outcome;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.vllm.VllmSubscriberCounters;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The router's own figures as Prometheus text: decisions by outcome, split decisions, cold ones, the serving pod's
 * hit blocks by tier (its GPU, its own offload, the Spillway cluster), requests routed unkeyed by cause (a chat
 * template that failed, a tokenizer that failed), tokenizing time and decision time (prefix match, scorers and
 * pick) apart.
 */
public final class RouterMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Outcome.Kind, Counter> outcomes = new EnumMap<>(Outcome.Kind.class);
    private final Counter split;
    private final Counter cold;
    private final Counter gpuBlocks;
    private final Counter offloadBlocks;
    private final Counter clusterBlocks;
    private final Timer tokenize;
    private final Timer decide;
    private final Map<Outcome.Unkeyed, Counter> unkeyed = new EnumMap<>(Outcome.Unkeyed.class);

    public RouterMetrics() {
        for (Outcome.Kind kind : Outcome.Kind.values()) {
            outcomes.put(kind, Counter.builder("spillway.router.decisions").description("requests by outcome")
                .tag("outcome", kind.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        split = Counter.builder("spillway.router.decisions.split").description("requests given a prefill pod")
            .register(registry);
        cold = Counter.builder("spillway.router.decisions.cold").description("requests no pod had a prefix of")
            .register(registry);
        gpuBlocks = hits("gpu");
        offloadBlocks = hits("pod-offload");
        clusterBlocks = hits("cluster");
        tokenize = Timer.builder("spillway.router.tokenize").description("tokenizing and keying a prompt")
            .publishPercentileHistogram().register(registry);
        for (Outcome.Unkeyed why : Outcome.Unkeyed.values()) {
            if (why != Outcome.Unkeyed.NO) {
                unkeyed.put(why, Counter.builder("spillway.router.unkeyed")
                    .description("requests routed on load alone because their prompt could not be keyed")
                    .tag("cause", why.name().toLowerCase(Locale.ROOT).replace('_', '-')).register(registry));
            }
        }
        decide = Timer.builder("spillway.router.decide")
            .description("prefix match, scoring and picking, tokenizing excluded").publishPercentileHistogram()
            .register(registry);
    }

    /**
     * The pods' vLLM KV-event feed, as {@code spillway_router_vllm_events_total{what=...}}: batches, events, blocks
     * stored and removed, and what was skipped and why (unknown parents, rejected events, gaps), so an operator sees
     * whether precise routing is fed at all.
     */
    public void vllmEvents(VllmSubscriberCounters c) {
        Map<String, ToDoubleFunction<VllmSubscriberCounters>> what =
            new LinkedHashMap<>();
        what.put("batches", x -> x.batches());
        what.put("events", x -> x.events());
        what.put("blocks-stored", x -> x.blocksStored());
        what.put("blocks-removed", x -> x.blocksRemoved());
        what.put("gaps", x -> x.gaps());
        what.put("unrecoverable-gaps", x -> x.unrecoverableGaps());
        what.put("publisher-restarts", x -> x.publisherRestarts());
        what.put("pod-clears", x -> x.podClears());
        what.put("unknown-parents", x -> x.unknownParents());
        what.put("skipped-blocks", x -> x.skippedBlocks());
        what.put("unmappable-blocks", x -> x.unmappableBlocks());
        what.put("rejected-events", x -> x.rejectedEvents());
        what.put("malformed-events", x -> x.malformedEvents());
        what.put("decode-errors", x -> x.decodeErrors());
        what.put("unknown-model-events", x -> x.unknownModelEvents());
        what.forEach((name, f) -> FunctionCounter.builder("spillway.router.vllm.events",
            c, f).description("the pods' vLLM KV-event feed").tag("what", name).register(registry));
    }

    private Counter hits(String tier) {
        return Counter.builder("spillway.router.hit.blocks").description("the serving pod's leading blocks, by where")
            .tag("tier", tier).register(registry);
    }

    public void record(Outcome outcome) {
        outcomes.get(outcome.kind()).increment();
        if (outcome.unkeyed() != Outcome.Unkeyed.NO) {
            unkeyed.get(outcome.unkeyed()).increment();
        }
        if (outcome.tokenizeNanos() > 0) {
            tokenize.record(outcome.tokenizeNanos(), TimeUnit.NANOSECONDS);
        }
        Decision d = outcome.decision();
        if (d == null) {
            return;
        }
        decide.record(outcome.decideNanos(), TimeUnit.NANOSECONDS);
        if (d.split()) {
            split.increment();
        }
        if (d.cold()) {
            cold.increment();
        }
        gpuBlocks.increment(d.hits().gpuBlocks());
        offloadBlocks.increment(d.hits().offloadBlocks());
        clusterBlocks.increment(d.hits().clusterBlocks());
    }

    /**
     * A listener's connection figures: {@code spillway_router_listener_connections{listener}} (open now),
     * {@code ..._connections_peak}, {@code spillway_router_listener_refused_total{listener, reason}} and
     * {@code spillway_router_listener_timeouts_total{listener, reason}}.
     */
    /** The endpoint picker's streams: open now, and refused at {@code spillway.router.extProcMaxStreams}. */
    public void bindExtProc(EndpointPicker picker) {
        Gauge.builder("spillway.router.extproc.streams.open", picker, EndpointPicker::openStreams)
            .description("ext_proc streams open").register(registry);
        FunctionCounter.builder("spillway.router.extproc.streams.refused", picker, EndpointPicker::streamsRefused)
            .description("ext_proc streams refused at spillway.router.extProcMaxStreams").register(registry);
    }

    public void bindListener(ListenerCounters c) {
        String l = c.listener();
        Gauge.builder("spillway.router.listener.connections", c, ListenerCounters::active).tag("listener", l)
            .description("connections open, by listener").register(registry);
        Gauge.builder("spillway.router.listener.connections.peak", c, ListenerCounters::peak).tag("listener", l)
            .description("the most connections open at once since start, by listener").register(registry);
        for (ListenerCounters.Refusal r : ListenerCounters.Refusal.values()) {
            FunctionCounter.builder("spillway.router.listener.refused", c, x -> x.refused(r)).tag("listener", l)
                .tag("reason", r.name().toLowerCase(Locale.ROOT))
                .description("connections closed at accept because a cap was reached").register(registry);
        }
        for (ListenerCounters.Timeout t : ListenerCounters.Timeout.values()) {
            FunctionCounter.builder("spillway.router.listener.timeouts", c, x -> x.timeouts(t)).tag("listener", l)
                .tag("reason", t.name().toLowerCase(Locale.ROOT))
                .description("connections closed by a timeout").register(registry);
        }
    }

    /**
     * The proxy's refusals and give-ups: {@code spillway_router_proxy_queue_full_total} (503: the scheduling queue
     * was full) and {@code spillway_router_upstream_timeouts_total} (a pod silent past the upstream read timeout).
     */
    public void bindProxy(ProxyCounters c) {
        FunctionCounter.builder("spillway.router.proxy.queue.full", c, ProxyCounters::queueFull)
            .description("proxy requests answered 503 because the scheduling queue was full").register(registry);
        FunctionCounter.builder("spillway.router.upstream.timeouts", c, ProxyCounters::upstreamTimeouts)
            .description("upstream pods given up after sending nothing for the upstream read timeout")
            .register(registry);
    }

    /** Speculative entries: {@code spillway_router_speculative_evictions_total} (decisions evicted at the cap). */
    public void bindSpeculative(RequestScheduler scheduler) {
        FunctionCounter.builder("spillway.router.speculative.evictions", scheduler,
                RequestScheduler::speculativeEvictions)
            .description("decisions whose speculative entries left early because maxSpeculativeKeys was reached")
            .register(registry);
        Gauge.builder("spillway.router.speculative.keys", scheduler, RequestScheduler::speculativeKeys)
            .description("prompt blocks held as speculative entries").register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }
}
