package io.spillway.router.service;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.aeron.StaleDriverDirectories;
import io.spillway.event.feed.FeedMembership;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.identity.TlsMaterial;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.router.discovery.InferencePoolPods;
import io.spillway.router.discovery.KubernetesPods;
import io.spillway.router.discovery.PodDiscovery;
import io.spillway.router.discovery.PodEndpoint;
import io.spillway.router.discovery.StaticPods;
import io.spillway.router.extproc.EndpointPicker;
import io.spillway.router.extproc.ExtProcOptions;
import io.spillway.router.extproc.ExtProcServer;
import io.spillway.router.feed.ClusterFeed;
import io.spillway.router.feed.MapMembership;
import io.spillway.router.load.InFlight;
import io.spillway.router.load.LoadScraper;
import io.spillway.router.load.PodViews;
import io.spillway.router.proxy.OpenAiProxy;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.chat.ChatTemplate;
import io.spillway.router.tokenize.AdapterNames;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.ChatTokenizer;
import io.spillway.router.tokenize.NoChatTemplate;
import io.spillway.router.tokenize.RoleLinesChatTokenizer;
import io.spillway.router.tokenize.TemplateChatTokenizer;
import io.spillway.router.tokenize.EngineTokenizer;
import io.spillway.router.tokenize.HuggingFaceTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import io.spillway.router.tokenize.PromptTokenizer;
import io.spillway.router.vllm.VllmEventSubscriber;
import io.spillway.router.vllm.VllmPodEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agrona.concurrent.AgentRunner;

/**
 * A running router: the block-location index fed by the Spillway nodes' feed and the pods' vLLM KV events, pod
 * discovery, load scraping, the tokenizer, the scheduler, and its fronts (proxy, ext_proc) and HTTP endpoint.
 * Replicas share nothing: each follows the feeds itself (active-active). Closing stops everything.
 */
public final class Router implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Router.class.getName());
    /** How often the feed's membership fetches the cluster's map (and at most once a second on an unknown node). */
    private static final Duration MAP_REFRESH = Duration.ofSeconds(5);
    /** What the router's feed media-driver directories are named with, in the temp directory. */
    static final String FEED_DIR_PREFIX = "spillway-router-feed";

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final RouterMetrics metrics = new RouterMetrics();
    private final DecisionLog log;
    private final OpenAiProxy proxy;
    private final ExtProcServer extProc;
    private final RouterHttp http;
    private final PodDiscovery discovery;

    /** The Spillway nodes' feed, or null without {@link RouterContext#feedNodes()}. */
    private ClusterFeed feed;

    /**
     * The feed subscriber's settings: a channel per node of {@code ctx.feedNodes()}, each received on
     * {@code ctx.feedLocalHost()} (the address the node is asked to send to), with a media driver in {@code media}.
     */
    static FeedSubscriberContext feedContext(RouterContext ctx, Path media) {
        return feedContext(ctx, media, null, InsecureChannelCredentials.create());
    }

    /**
     * As {@link #feedContext(RouterContext, Path)}, admitting only the nodes {@code membership} lists (null: any) and
     * fetching snapshots with {@code credentials}.
     */
    static FeedSubscriberContext feedContext(RouterContext ctx, Path media, FeedMembership membership,
                                             ChannelCredentials credentials) {
        FeedSubscriberContext.Builder feed = FeedSubscriberContext.builder()
            .media(FeedMedia.Settings.defaults(media.toString()))
            .localHost(ctx.feedLocalHost()) // before the nodes: each node's channel takes it when added
            .snapshotCredentials(credentials);
        ctx.feedNodes().forEach(feed::node);
        if (membership != null) {
            feed.membership(membership);
        }
        return feed.build();
    }

    /** Plaintext, or mutual TLS with the router's files (re-read when they change; closed with the router). */
    private ChannelCredentials feedCredentials(RouterContext ctx) {
        if (ctx.feedTls() == null) {
            return InsecureChannelCredentials.create();
        }
        TlsMaterial material = TlsMaterial.open("router feed TLS", ctx.feedTls());
        parts.add(material);
        return TlsChannelCredentials.newBuilder().keyManager(material.keyManager())
            .trustManager(material.trustManager()).build();
    }

    public Router(RouterContext ctx) throws Exception {
        ExtProcOptions extProcOptions = ctx.extProc();
        boolean started = false;
        try {
            log = new DecisionLog(ctx.decisionLog());
            BlockLocationIndex index = ClusterFeed.index(ctx.maxKeys(), 0);
            parts.add(index);
            if (!ctx.feedNodes().isEmpty()) {
                // a router killed with SIGKILL left its driver's directory (term buffers) in the temp directory:
                // reclaimed here once its driver's heartbeat is dead, never a live router's
                StaleDriverDirectories.reap(Path.of(System.getProperty("java.io.tmpdir")), FEED_DIR_PREFIX,
                    StaleDriverDirectories.DEFAULT_TIMEOUT);
                Path media = Files.createTempDirectory(FEED_DIR_PREFIX);
                ChannelCredentials credentials = feedCredentials(ctx);
                MapMembership membership = null;
                if (!ctx.clusterSeeds().isEmpty()) {
                    membership = new MapMembership(ctx.clusterSeeds(), MAP_REFRESH, credentials);
                    parts.add(membership);
                }
                feed = ClusterFeed.start(feedContext(ctx, media, membership, credentials), index);
                parts.add(feed);
            }
            if (!ctx.vllmEvents().isEmpty()) {
                VllmEventSubscriber.Builder events = VllmEventSubscriber.builder().index(index)
                    .namespace(ctx.namespace().modelId(), ctx.namespace());
                for (String spec : ctx.vllmEvents()) {
                    if (spec.startsWith(LISTEN)) {
                        events.listen(spec.substring(LISTEN.length()));
                    } else {
                        events.pod(vllmEndpoint(spec));
                    }
                }
                VllmEventSubscriber subscriber = events.build();
                metrics.vllmEvents(subscriber.counters());
                AgentRunner runner = VllmEventSubscriber.startOnThread(subscriber,
                    t -> LOG.log(System.Logger.Level.WARNING, "vLLM event subscriber error", t));
                parts.add(runner);
            }
            discovery = !ctx.staticPods().isEmpty() ? StaticPods.parse(ctx.staticPods())
                : ctx.inferencePool() != null ? new InferencePoolPods(new KubernetesClientBuilder().build(),
                    ctx.k8sNamespace(), ctx.inferencePool(), KubernetesPods.DEFAULT_ROLE_LABEL)
                : new KubernetesPods(new KubernetesClientBuilder().build(), ctx.k8sNamespace(), ctx.k8sSelector(),
                    ctx.podPort(), KubernetesPods.DEFAULT_ROLE_LABEL);
            parts.add(discovery);
            InFlight inFlight = new InFlight();
            LoadScraper loads = new LoadScraper(() -> discovery.pods().stream().map(PodEndpoint::address).toList(),
                ctx.scrapeInterval(), Duration.ofSeconds(1), inFlight::sent);
            parts.add(loads);
            PromptTokenizer tokenizer = tokenizer(ctx, discovery);
            parts.add(tokenizer);
            ChatTokenizer chats = chatTokenizer(ctx, tokenizer);
            LOG.log(System.Logger.Level.INFO, "router: prompts keyed by " + tokenizer.describe() + ", chat requests by "
                + chats.describe());
            RequestScheduler scheduler = new RequestScheduler(index,
                () -> PodViews.of(discovery.pods(), loads, inFlight), new PromptKeys(tokenizer, chats, ctx.namespace(),
                    new AdapterNames(ctx.servedModelNames())), ctx.routing(), ctx.costModel(), ctx.shedAtWaiting(),
                ctx.limits().maxSpeculativeKeys());
            metrics.bindSpeculative(scheduler);
            scheduler.observe(metrics::record);
            scheduler.observe(o -> log.record(o, System.currentTimeMillis()));
            extProc = ctx.extProcPort() < 0 ? null
                : new ExtProcServer(new EndpointPicker(scheduler, ctx.maxBodyBytes(), extProcOptions.objectives(),
                    EndpointPicker.DEFAULT_MODE_PROBE, extProcOptions.assumedMode()), ctx.host(), ctx.extProcPort(),
                    extProcOptions.tls(), discovery::synced, ctx.limits().extProc()); // readiness: every informer has listed (and an InferencePool exists)
            if (extProc != null) {
                parts.add(extProc);
                metrics.bindExtProc(extProc.picker());
            }
            proxy = ctx.proxyPort() < 0 ? null : new OpenAiProxy(scheduler, inFlight, ctx.host(), ctx.proxyPort(),
                ctx.maxBodyBytes(), Duration.ofSeconds(2), ctx.limits());
            if (proxy != null) {
                parts.add(proxy);
                metrics.bindListener(proxy.counters());
                metrics.bindProxy(proxy.proxyCounters());
            }
            http = new RouterHttp(ctx.host(), ctx.httpPort(), ctx.limits().http(), metrics, log, this::status);
            parts.add(http);
            started = true;
        } finally {
            if (!started) {
                close();
            }
        }
    }

    private static PromptTokenizer tokenizer(RouterContext ctx, PodDiscovery discovery) {
        return switch (ctx.tokenizer()) {
            case "approximate" -> new CharacterTokenizer(4);
            case "engine" -> new EngineTokenizer(() -> discovery.routable().stream().map(PodEndpoint::address)
                .findFirst().orElse(null), ctx.namespace().modelId(), Duration.ofSeconds(2));
            default -> new HuggingFaceTokenizer(Path.of(ctx.tokenizer()));
        };
    }

    /**
     * How chat requests are keyed: by the engine ({@code engine} mode), by the chat template given or the one in the
     * {@code tokenizer_config.json} beside the tokenizer.json, or, in the approximate mode without a template, as
     * {@code role: content} lines. A tokenizer.json without a template to be found keys no chat request (each is
     * routed on load alone and counted): lines would never match the engine's keys.
     */
    static ChatTokenizer chatTokenizer(RouterContext ctx, PromptTokenizer tokenizer) {
        if (tokenizer instanceof EngineTokenizer engine) {
            return engine;
        }
        Path template = ctx.chatTemplate();
        if (template == null && !ctx.tokenizer().equals("approximate")) {
            Path beside = Path.of(ctx.tokenizer()).resolveSibling("tokenizer_config.json");
            template = Files.isRegularFile(beside) ? beside : null;
        }
        if (template != null) {
            return new TemplateChatTokenizer(ChatTemplate.load(template, Clock.systemDefaultZone()),
                tokenizer);
        }
        if (ctx.tokenizer().equals("approximate")) {
            return new RoleLinesChatTokenizer(tokenizer);
        }
        LOG.log(System.Logger.Level.WARNING, "router: no chat template beside " + ctx.tokenizer()
            + " and none given (--chat-template): chat requests are routed on load alone");
        return new NoChatTemplate(ctx.tokenizer());
    }

    /** {@code host:eventsPort[:replayPort]}: a vLLM publisher whose topics name their pods. */
    /** A {@code --vllm-events} entry that binds an address publishers connect to: {@code listen=tcp://*:5557}. */
    static final String LISTEN = "listen=";

    static VllmPodEndpoint vllmEndpoint(String spec) {
        String[] p = spec.split(":");
        if (p.length < 2 || p.length > 3) {
            throw new IllegalArgumentException("vLLM events '" + spec + "' must be host:eventsPort[:replayPort] or "
                + LISTEN + "tcp://host:port");
        }
        try {
            return p.length == 2
                ? new VllmPodEndpoint(p[0] + ":" + p[1], "tcp://" + p[0] + ":" + p[1], null, null)
                : VllmPodEndpoint.of(p[0], Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("vLLM events '" + spec + "': a port is not a number", e);
        }
    }

    private Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("pods", discovery.pods().stream().map(p -> p.address() + (p.ready() ? "" : " (not ready)") + " "
            + p.role().name().toLowerCase(Locale.ROOT)).toList());
        return s;
    }

    /** The Spillway nodes' feed, or null when none is subscribed to. */
    ClusterFeed feed() {
        return feed;
    }

    public int proxyPort() {
        return proxy == null ? -1 : proxy.port();
    }

    public int extProcPort() {
        return extProc == null ? -1 : extProc.port();
    }

    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
        parts.clear();
    }
}
