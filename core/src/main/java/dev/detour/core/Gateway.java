package dev.detour.core;

import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CacheFactory;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.view.RequestContext;
import dev.detour.core.admission.Admission;
import dev.detour.core.admission.RequestContexts;
import dev.detour.core.admission.Resolution;
import dev.detour.core.admission.Resolution.Refusal;
import dev.detour.core.cache.RouteCache;
import dev.detour.core.cluster.ClusterLink;
import dev.detour.core.failover.AbortSignal;
import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import dev.detour.api.service.Service;
import dev.detour.api.service.ServiceContext;
import dev.detour.api.service.ServiceFactory;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.Extensions.Kind;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.OptionsBinder;
import dev.detour.core.envelope.EnvelopeGuard;
import dev.detour.core.telemetry.EventLog;
import dev.detour.core.failover.EngineListener;
import dev.detour.core.failover.FailoverEngine;
import dev.detour.core.failover.Hedging;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.guard.RequestGuard;
import dev.detour.core.guard.RouteGuards;
import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import dev.detour.core.failover.Scrubber;
import dev.detour.core.failover.Timers;
import dev.detour.core.health.CircuitBreaker;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.plugin.PluginHost;
import dev.detour.core.spend.KeyLedger;
import dev.detour.core.telemetry.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Everything a validated config turns into: one adapter per provider, one shared runtime per
 * target, one strategy and detector set per route, the engine, and the in-process services.
 */
public final class Gateway implements Admission.Routes {
    private final GatewayConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private final Map<String, ProviderAdapter> adapters;
    private final Map<String, TargetRuntime> targets;
    private final Map<String, RouteRuntime> routes;
    /** The cluster this gateway shares state with, or null (set once at boot, before serving). */
    private volatile ClusterLink cluster;
    /** Configured routes as admission answers them, built once: a lookup, never an allocation. */
    private final Map<String, Resolution> resolved = new HashMap<>();
    /** Direct {@code provider/model} routes: the names come from clients, so the table is bounded. */
    private final DirectRoutes direct;
    private final FailoverEngine engine;
    private final Metrics metrics;
    private final List<Service> services;
    private final RoutingStrategy directStrategy = (req, candidates) -> candidates;
    private final EventLog events;
    /** Each route's guardrails, by route name; routes without any are absent. */
    private final Map<String, RouteGuards> guards;
    /** Each route's cache, by route name; only routes with a {@code cache:} block. */
    private final Map<String, RouteCache> caches;

    private Gateway(GatewayConfig config, Vertx vertx, Clock clock, Map<String, ProviderAdapter> adapters,
                    Map<String, TargetRuntime> targets, Map<String, RouteRuntime> routes, FailoverEngine engine,
                    Metrics metrics, List<Service> services, EventLog events, Map<String, RouteGuards> guards,
                    Map<String, RouteCache> caches) {
        this.events = events;
        this.guards = guards;
        this.caches = caches;
        this.config = config;
        this.vertx = vertx;
        this.clock = clock;
        this.adapters = adapters;
        this.targets = targets;
        this.routes = routes;
        this.engine = engine;
        this.metrics = metrics;
        this.services = services;
        routes.values().forEach(r -> {
            resolved.put(r.name(), new Resolution(r, null, null));
            metrics.allowRoute(r.name());
        });
        targets.keySet().forEach(metrics::allowTarget);
        this.direct = new DirectRoutes(MAX_DIRECT_TARGETS, metrics, targets.keySet());
    }

    /** How the gateway reaches provider {@code p} (its TLS files read now). */
    private static dev.detour.core.net.Egress egress(GatewayConfig.Provider p,
                                                     dev.detour.core.net.Egress.Environment proxyEnv) {
        try {
            GatewayConfig.ProviderTls tls = p.tls();
            return dev.detour.core.net.Egress.of(p.baseUrl(), tls == null ? null : tls.ca(),
                    tls == null ? null : tls.cert(), tls == null ? null : tls.key(), p.proxy(), proxyEnv);
        } catch (dev.detour.core.net.Tls.FileProblem e) {
            throw new IllegalArgumentException("providers." + p.name() + ".tls: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("providers." + p.name() + ": " + e.getMessage());
        }
    }

    /**
     * Builds the runtime with the engine's timers on Vert.x (real time). Throws
     * IllegalArgumentException when a plugin refuses its options.
     */
    public static Gateway build(GatewayConfig config, PluginHost plugins, Vertx vertx, Clock clock,
                                RandomGenerator random) {
        return build(config, plugins, vertx, clock, Timers.of(vertx), random);
    }

    /**
     * Builds the runtime. Throws IllegalArgumentException when a plugin refuses its options.
     *
     * @param clock  the time every time-dependent part reads
     * @param timers schedules the engine's timeouts, retries and stream probes; it must run its
     *               tasks on the event loop the gateway serves from (a test's fires them as it
     *               advances its clock)
     * @param random the source of every random choice (strategies, shift, probes, backoff jitter)
     */
    public static Gateway build(GatewayConfig config, PluginHost plugins, Vertx vertx, Clock clock, Timers timers,
                                RandomGenerator random) {
        return build(config, plugins, vertx, clock, timers, random,
                dev.detour.core.net.Egress.Environment.of(System::getenv));
    }

    /**
     * Builds the runtime with the proxy variables of {@code proxyEnv} (the process's environment,
     * read once at boot). Throws IllegalArgumentException when a plugin refuses its options, a
     * provider's TLS file cannot be used or a proxy variable is not a proxy URL.
     */
    public static Gateway build(GatewayConfig config, PluginHost plugins, Vertx vertx, Clock clock, Timers timers,
                                RandomGenerator random, dev.detour.core.net.Egress.Environment proxyEnv) {
        EventLog events = new EventLog(vertx, clock, 500);
        Map<String, ProviderAdapter> adapters = new LinkedHashMap<>();
        for (GatewayConfig.Provider p : config.providers().values()) {
            ProviderAdapterFactory<Object> f = plugins.factory(Kind.PROVIDER, p.type());
            Object options = OptionsBinder.bind(p.options(), f.optionsType(), "providers." + p.name() + ".options");
            adapters.put(p.name(), f.create(options, new ProviderContext(p.name(), p.baseUrl(), p.apiKey(), p.region(),
                    p.headers(), vertx, clock, egress(p, proxyEnv))));
        }
        Map<String, TargetRuntime> targets = new LinkedHashMap<>();
        Map<String, RouteRuntime> routes = new LinkedHashMap<>();
        Map<String, RouteGuards> guards = new HashMap<>();
        for (GatewayConfig.Route r : config.routes().values()) {
            List<TargetRuntime> rts = new ArrayList<>();
            Map<String, GatewayConfig.Target> cfgs = new LinkedHashMap<>();
            for (GatewayConfig.Target t : r.targets()) {
                // A target's breaker is shared by every route; the first route that lists it sets its policy.
                TargetRuntime rt = targets.computeIfAbsent(t.id(), id -> newTarget(config, adapters, t,
                        r.policy().breaker(), r.degradation(), clock, events));
                rts.add(rt);
                cfgs.put(t.id(), t);
            }
            RoutingStrategyFactory<Object> sf = plugins.factory(Kind.STRATEGY, r.strategy().type());
            RoutingStrategy strategy = sf.create(OptionsBinder.bind(r.strategy().options(), sf.optionsType(),
                    r.strategy().path()), new StrategyContext(r.name(), clock, random));
            List<QualityDetector> detectors = new ArrayList<>();
            for (GatewayConfig.PluginRef d : r.detectors()) {
                DetectorFactory<Object> df = plugins.factory(Kind.DETECTOR, d.type());
                detectors.add(df.create(OptionsBinder.bind(d.options(), df.optionsType(), d.path()),
                        new DetectorContext(r.name(), clock)));
            }
            RouteGuards rg = guards(r, plugins, vertx, clock);
            if (rg != null) {
                guards.put(r.name(), rg);
            }
            routes.put(r.name(), new RouteRuntime(r.name(), r.strategy().type(), strategy, rts, r.policy(), cfgs,
                    detectors, r.qualityGate(), r.degradation(), r.stream(), false,
                    r.hedge() == null ? null : new Hedging(r.hedge()), r.requestHeaders()));
        }
        Set<String> secrets = new HashSet<>();
        config.providers().values().forEach(p -> secrets(p, secrets));
        Metrics metrics = new Metrics();
        FailoverEngine engine = new FailoverEngine(adapters, new EnvelopeGuard(config.envelope()), new Scrubber(secrets),
                timers, clock, random, EngineListener.both(metrics, events));
        List<Service> services = new ArrayList<>();
        config.services().forEach((type, block) -> {
            ServiceFactory<Object> f = plugins.factory(Kind.SERVICE, type);
            services.add(f.create(OptionsBinder.bind(block, f.optionsType(), type),
                    new ServiceContext(vertx, clock, config.file().toAbsolutePath().getParent())));
        });
        Map<String, RouteCache> caches = caches(config, plugins, vertx, clock, routes, engine, metrics);
        Gateway g = new Gateway(config, vertx, clock, adapters, targets, routes, engine, metrics, services, events, guards,
                caches);
        // Last: it opens the spend store (a file lock) that a failure above would leave held.
        g.ledger = KeyLedger.open(config.keys(), clock);
        return g;
    }

    /** Every virtual key's limits and spend. */
    private KeyLedger ledger;

    /** Every virtual key's limits and spend (admission counts in it, {@code /admin/keys} reads it). */
    public KeyLedger ledger() {
        return ledger;
    }

    /** A route's guardrails, each created by its factory with its options, or null when it has none. */
    private static RouteGuards guards(GatewayConfig.Route r, PluginHost plugins, Vertx vertx, Clock clock) {
        List<RouteGuards.Configured> configured = new ArrayList<>();
        for (GatewayConfig.GuardrailRef g : r.guardrails()) {
            GuardrailFactory<Object> gf = plugins.factory(Kind.GUARDRAIL, g.plugin().type());
            Guardrail guardrail = gf.create(OptionsBinder.bind(g.plugin().options(), gf.optionsType(),
                    g.plugin().path()), new GuardrailContext(r.name(), vertx, clock));
            configured.add(new RouteGuards.Configured(g.plugin().type(), guardrail, g.input(), g.output()));
        }
        return RouteGuards.of(configured);
    }

    /**
     * Opens the guardrails of {@code route} for one request, or returns null when the route has none
     * (a direct {@code provider/model} call has none).
     */
    public RequestGuard guard(RouteRuntime route, RequestContext ctx) {
        RouteGuards g = route.direct() ? null : guards.get(route.name());
        return g == null ? null : g.open(ctx);
    }

    /**
     * A cache for each route with a {@code cache:} block, with the gateway's embeddings routes for
     * a cache that compares by meaning, and {@code $DETOUR_HOME/data} as the directory a plugin may
     * unpack into.
     */
    private static Map<String, RouteCache> caches(GatewayConfig config, PluginHost plugins, Vertx vertx, Clock clock,
                                                  Map<String, RouteRuntime> routes, FailoverEngine engine,
                                                  Metrics metrics) {
        Map<String, RouteCache> caches = new HashMap<>();
        CacheContext.Embeddings embeddings = (name, request) -> {
            RouteRuntime route = routes.get(name);
            if (route == null) {
                return Future.failedFuture(new IllegalArgumentException("no route '" + name + "' to embed with"));
            }
            RequestContext ctx = RequestContexts.of(io.vertx.core.MultiMap.caseInsensitiveMultiMap(), null, name,
                    null, config.server().region(), false, "openai");
            return engine.embed(route, request, ctx, new AbortSignal()).compose(r -> r.failure() == null
                    ? Future.succeededFuture(r.value())
                    : Future.failedFuture(new ProviderException(ErrorKind.UNKNOWN, r.failure().status(),
                            r.failure().message())));
        };
        java.nio.file.Path dataDir = dataDir();
        for (GatewayConfig.Route r : config.routes().values()) {
            GatewayConfig.Cache c = r.cache();
            if (c == null) {
                continue;
            }
            CacheFactory<Object> f = plugins.factory(Kind.CACHE, c.plugin().type());
            ResponseCache cache = f.create(OptionsBinder.bind(c.plugin().options(), f.optionsType(), c.plugin().path()),
                    new CacheContext(r.name(), vertx, clock, embeddings, dataDir));
            caches.put(r.name(), new RouteCache(r.name(), cache, c, metrics.cache(r.name(), cache::stats)));
        }
        return caches;
    }

    /** {@code $DETOUR_HOME/data} (the {@code detour.home} property the launcher sets, else the variable), or null. */
    private static java.nio.file.Path dataDir() {
        String home = System.getProperty("detour.home", System.getenv("DETOUR_HOME"));
        return home == null || home.isEmpty() ? null : java.nio.file.Path.of(home).toAbsolutePath().resolve("data");
    }

    /** The cache of {@code route}, or null when it has none (direct {@code provider/model} routes never do). */
    public RouteCache cache(RouteRuntime route) {
        return caches.isEmpty() || route.direct() ? null : caches.get(route.name());
    }

    /**
     * The credentials of a provider that an upstream could echo: its {@code api_key}, string options
     * named like a credential (Bedrock's {@code secret_access_key}, {@code session_token}), and the
     * values of headers named like one (with any {@code Bearer}/{@code Basic} scheme taken off too).
     */
    private static void secrets(GatewayConfig.Provider p, Set<String> out) {
        if (p.apiKey() != null) {
            out.add(p.apiKey());
        }
        if (p.options() != null) {
            p.options().properties().forEach(e -> {
                if (e.getValue().isTextual() && credential(e.getKey())) {
                    out.add(e.getValue().asText());
                }
            });
        }
        if (p.headers() != null) {
            p.headers().forEach((name, value) -> {
                if (value != null && (credential(name) || name.toLowerCase(java.util.Locale.ROOT).contains("auth"))) {
                    out.add(value);
                    int space = value.indexOf(' ');
                    if (space > 0) {
                        out.add(value.substring(space + 1).trim());
                    }
                }
            });
        }
        if (p.proxy() != null && !p.proxy().equals(GatewayConfig.NO_PROXY)) {
            String password = dev.detour.core.net.Egress.proxy(p.proxy(), "proxy").getPassword();
            if (password != null) {
                out.add(password);
            }
        }
    }

    private static boolean credential(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.endsWith("key") || n.endsWith("key_id") || n.endsWith("token") || n.contains("secret")
                || n.contains("password");
    }

    private static TargetRuntime newTarget(GatewayConfig config, Map<String, ProviderAdapter> adapters,
                                           GatewayConfig.Target t, GatewayConfig.Breaker breaker,
                                           GatewayConfig.Degradation degradation, Clock clock, EventLog events) {
        GatewayConfig.Provider p = config.providers().get(t.provider());
        Capabilities base = adapters.get(t.provider()).capabilities(t.model());
        GatewayConfig.Capabilities o = t.capabilities();
        Capabilities caps = o == null ? base : new Capabilities(
                o.vision() != null ? o.vision() : base.vision(), o.tools() != null ? o.tools() : base.tools(),
                o.json() != null ? o.json() : base.json(), base.otherParts(),
                o.contextWindow() != null ? o.contextWindow() : base.contextWindow());
        return new TargetRuntime(p, t, new CircuitBreaker(breaker, clock), caps, clock, degradation, events);
    }

    /** Starts the in-process services (e.g. the simulator); completes with their descriptions. */
    public Future<List<String>> startServices() {
        ledger.start(vertx);
        List<Future<String>> started = new ArrayList<>();
        for (Service s : services) {
            started.add(s.start());
        }
        return Future.all(started).map(cf -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < cf.size(); i++) {
                out.add(cf.resultAt(i));
            }
            return out;
        });
    }

    /** Stops services and adapters; one that does not finish within 5 s is logged and left behind. */
    public Future<Void> close() {
        List<Future<?>> all = new ArrayList<>();
        adapters.forEach((name, a) -> all.add(bounded(a.close(), "provider '" + name + "'")));
        services.forEach(s -> all.add(bounded(s.stop(), "service " + s.getClass().getSimpleName())));
        caches.forEach((name, c) -> all.add(bounded(c.close(), "the cache of route '" + name + "'")));
        all.add(bounded(ledger.close(), "the spend store"));
        return Future.join(all).mapEmpty();
    }

    private Future<Void> bounded(Future<Void> f, String what) {
        io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
        long timer = vertx.setTimer(5000, id -> {
            if (p.tryComplete()) {
                org.slf4j.LoggerFactory.getLogger(Gateway.class).warn("{} did not close within 5s", what);
            }
        });
        f.onComplete(ar -> {
            vertx.cancelTimer(timer);
            p.tryComplete();
        });
        return p.future();
    }

    /**
     * How many direct {@code provider/model} targets are kept at most. Past it, the least recently
     * used one without a call in flight is evicted (its health, {@code /metrics} series and
     * {@code /admin/targets} entry go with it); when every one has a call in flight, a new name
     * is refused ({@link Refusal#DIRECT_TABLE_FULL}) until one ends.
     */
    public static final int MAX_DIRECT_TARGETS = 256;

    /** The longest {@code model} a client may send; longer is refused at admission. */
    public static final int MAX_MODEL_NAME_LENGTH = 256;

    /**
     * Resolves a client's {@code model}: a configured route, or {@code provider/model} for a direct
     * call to a configured provider inside the envelope (the {@code defaults:} policy, no
     * fallback). A direct target is created only once the name is known to be well formed, a
     * model name its provider's adapter accepts, and allowed by {@code allowed}; a refused
     * request creates nothing. Direct targets are bounded by {@link #MAX_DIRECT_TARGETS}.
     * Thread-safe; a configured route costs one map lookup.
     *
     * @param allowed the names the client's key may use, or null for any
     */
    @Override
    public Resolution resolve(String model, Set<String> allowed) {
        Resolution configured = model == null ? null : resolved.get(model);
        if (configured != null) {
            return allowed == null || allowed.contains(model) ? configured : REFUSED_NOT_ALLOWED;
        }
        String problem = nameProblem(model);
        if (problem != null) {
            return new Resolution(null, Refusal.INVALID_NAME, problem);
        }
        int slash = model.indexOf('/');
        GatewayConfig.Provider p = slash <= 0 || slash == model.length() - 1 ? null
                : config.providers().get(model.substring(0, slash));
        if (p == null || ConfigLoader.outsideEnvelope(config.envelope(), p) != null) {
            return REFUSED_UNKNOWN;
        }
        if (allowed != null && !allowed.contains(model)) {
            return REFUSED_NOT_ALLOWED;
        }
        String name = model.substring(slash + 1);
        String bad = adapters.get(p.name()).modelProblem(name);
        if (bad != null) {
            return new Resolution(null, Refusal.INVALID_NAME, "model: '" + name + "' is not a model of provider '"
                    + p.name() + "': " + bad);
        }
        Resolution r = direct.get(model, () -> {
            GatewayConfig.Target t = new GatewayConfig.Target(p.name(), name, 1, -1, -1, null, null, null);
            TargetRuntime rt = targets.get(t.id());
            if (rt == null) {
                rt = newTarget(config, adapters, t, config.defaults().breaker(), GatewayConfig.Degradation.DEFAULTS,
                        clock, events);
            }
            return new RouteRuntime(model, "direct", directStrategy, List.of(rt), config.defaults(), Map.of(), List.of(),
                    Set.of(), GatewayConfig.Degradation.DEFAULTS, GatewayConfig.StreamPolicy.DEFAULTS, true);
        });
        return r != null ? r : REFUSED_FULL;
    }

    private static final Resolution REFUSED_NOT_ALLOWED = new Resolution(null, Refusal.NOT_ALLOWED, null);
    private static final Resolution REFUSED_UNKNOWN = new Resolution(null, Refusal.UNKNOWN, null);
    private static final Resolution REFUSED_FULL = new Resolution(null, Refusal.DIRECT_TABLE_FULL, "all "
            + MAX_DIRECT_TARGETS + " direct provider/model targets have calls in flight; retry shortly or use a configured route");

    /**
     * Why {@code model} cannot be a name at all, or null: it must be present, at most
     * {@link #MAX_MODEL_NAME_LENGTH} characters, and printable ASCII without spaces, quotes or
     * backslashes (it travels in response headers, metric labels and log lines; no provider names
     * a model otherwise).
     */
    static String nameProblem(String model) {
        if (model == null || model.isEmpty()) {
            return "model: is required";
        }
        if (model.length() > MAX_MODEL_NAME_LENGTH) {
            return "model: is longer than " + MAX_MODEL_NAME_LENGTH + " characters";
        }
        for (int i = 0; i < model.length(); i++) {
            char c = model.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
                return "model: contains a control character (at index " + i + ")";
            }
            if (c == ' ' || c == '"' || c == '\\' || c > 0x7e) {
                return "model: must be printable ASCII without spaces, quotes or backslashes (a route name or provider/model)";
            }
        }
        return null;
    }

    public GatewayConfig config() {
        return config;
    }

    public FailoverEngine engine() {
        return engine;
    }

    /** Who served a request, for {@code POST /v1/feedback}. */
    public record Served(RouteRuntime route, TargetRuntime target) {
    }

    private final ServedLog served = new ServedLog(10_000);

    /** Remembers which target served a request, and for which key (the most recent 10 000 are kept). */
    public void served(String requestId, RouteRuntime route, TargetRuntime target, String keyName) {
        served.add(requestId, route, target, keyName);
    }

    /**
     * A claim on a request's one feedback.
     *
     * @param served  who served it; null when the request is unknown to this key
     * @param already whether feedback was already counted for it
     */
    public record FeedbackClaim(Served served, boolean already) {
    }

    /** Claims the single feedback of a request made with {@code keyName} (null without keys). */
    public FeedbackClaim claimFeedback(String requestId, String keyName) {
        return served.claimFeedback(requestId, keyName);
    }

    /** The configured routes' names (direct {@code provider/model} targets are not among them). */
    @Override
    public Collection<String> names() {
        return routes().keySet();
    }

    /** Which target served a request, or null when unknown or forgotten. */
    public Served servedBy(String requestId) {
        return served.find(requestId);
    }

    /** The link to the gateways sharing this one's Redis, or null without {@code cluster.redis}. */
    public ClusterLink cluster() {
        return cluster;
    }

    /** Joins {@code link}'s cluster: its shared state is this gateway's from now on. */
    public void cluster(ClusterLink link) {
        this.cluster = link;
    }

    public EventLog events() {
        return events;
    }

    public Metrics metrics() {
        return metrics;
    }

    public Map<String, RouteRuntime> routes() {
        return routes;
    }

    /**
     * Every target runtime, route targets first, then the direct ones currently kept (at most
     * {@link #MAX_DIRECT_TARGETS}); a snapshot.
     */
    public Collection<TargetRuntime> targets() {
        Map<String, TargetRuntime> all = new LinkedHashMap<>(targets);
        direct.targets().forEach(t -> all.putIfAbsent(t.id(), t));
        return all.values();
    }

    public Clock clock() {
        return clock;
    }

    public Vertx vertx() {
        return vertx;
    }
}
