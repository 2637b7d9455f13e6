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
import dev.detour.core.readiness.Readiness;
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
import dev.detour.core.ops.Drills;
import dev.detour.core.ops.Reload;
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
 *
 * <p>A reload ({@link #prepare}, then {@link #swap}) replaces all of it at once, on the event loop,
 * by one write: a request reads the config's parts when it is admitted and keeps the route it was
 * given, so requests in flight finish on the config they started with. What outlives a reload:
 * the metrics, the events, the drills, the feedback log, the in-process services, and every part
 * the new config does not change — a target that still exists keeps its runtime (health, breaker,
 * statistics), a provider whose block is unchanged keeps its adapter, a route whose block is
 * unchanged keeps its strategy, detectors, guardrails and cache.
 */
public final class Gateway implements Admission.Routes {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Gateway.class);

    private final Vertx vertx;
    private final Clock clock;
    private final Timers timers;
    private final RandomGenerator random;
    private final Metrics metrics;
    private final EventLog events;
    private final Drills drills;
    private final EngineListener listener;
    private final RoutingStrategy directStrategy = (req, candidates) -> candidates;
    /** What the running config built; replaced whole by a reload. */
    private volatile State state;
    /** Told after each swap (the HTTP layer's scrubber follows the engine's). */
    private final List<Runnable> swapListeners = new ArrayList<>(1);
    /** Adapters and caches a reload replaced, closed once no call of their config can still run. */
    private final List<Retired> retired = new ArrayList<>();
    private volatile Reload reload;
    /** The proxy variables of the process's environment, read once at boot (a reload keeps them). */
    private dev.detour.core.net.Egress.Environment proxyEnv = dev.detour.core.net.Egress.Environment.NONE;
    /** The cluster this gateway shares state with, or null (set once at boot, before serving). */
    private volatile ClusterLink cluster;
    /** Every virtual key's limits and spend (keys take a restart: a reload keeps it). */
    private KeyLedger ledger;
    /** The readiness checks of the running config's routes (rebuilt by each swap). */
    private volatile Readiness readiness;

    /** One config's runtime: everything a reload replaces at once. */
    private static final class State {
        final GatewayConfig config;
        final Map<String, ProviderAdapter> adapters;
        final Map<String, TargetRuntime> targets;
        final Map<String, RouteRuntime> routes;
        /** Configured routes as admission answers them, built once: a lookup, never an allocation. */
        final Map<String, Resolution> resolved = new HashMap<>();
        /** Direct {@code provider/model} routes: the names come from clients, so the table is bounded. */
        final DirectRoutes direct;
        final FailoverEngine engine;
        final List<Service> services;
        /** Each route's guardrails, by route name; routes without any are absent. */
        final Map<String, RouteGuards> guards;
        /** Each route's cache, by route name; only routes with a {@code cache:} block. */
        final Map<String, RouteCache> caches;

        State(GatewayConfig config, Map<String, ProviderAdapter> adapters, Map<String, TargetRuntime> targets,
              Map<String, RouteRuntime> routes, DirectRoutes direct, FailoverEngine engine, List<Service> services,
              Map<String, RouteGuards> guards, Map<String, RouteCache> caches) {
            this.config = config;
            this.adapters = adapters;
            this.targets = targets;
            this.routes = routes;
            this.direct = direct;
            this.engine = engine;
            this.services = services;
            this.guards = guards;
            this.caches = caches;
            routes.values().forEach(r -> resolved.put(r.name(), new Resolution(r, null, null)));
        }
    }

    /** A config built and ready to {@link #swap} in: nothing live has been touched yet. */
    public static final class Prepared {
        private final State state;
        /** The kept targets whose provider or entry changed: applied at the swap, on the event loop. */
        private final List<Runnable> adoptions;

        private Prepared(State state, List<Runnable> adoptions) {
            this.state = state;
            this.adoptions = adoptions;
        }

        /** The config it was built from. */
        public GatewayConfig config() {
            return state.config;
        }
    }

    private record Retired(List<ProviderAdapter> adapters, List<RouteCache> caches, long timer) {
    }

    private Gateway(Vertx vertx, Clock clock, Timers timers, RandomGenerator random) {
        this.vertx = vertx;
        this.clock = clock;
        this.timers = timers;
        this.random = random;
        this.metrics = new Metrics();
        this.events = new EventLog(vertx, clock, 500);
        this.drills = new Drills(clock, timers, random, events);
        this.listener = EngineListener.both(EngineListener.both(metrics, events), drills);
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
     * @param timers schedules the engine's timeouts, retries and stream probes, and the drills'
     *               ends; it must run its tasks on the event loop the gateway serves from (a
     *               test's fires them as it advances its clock)
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
        Gateway g = new Gateway(vertx, clock, timers, random);
        g.proxyEnv = proxyEnv;
        Prepared p = g.prepare(config, plugins);
        g.state = p.state;
        g.allowSeries(p.state);
        g.readiness = g.readinessOf(p.state);
        // Last: it opens the spend store (a file lock) that a failure above would leave held.
        g.ledger = KeyLedger.open(config.keys(), clock);
        return g;
    }

    private Readiness readinessOf(State s) {
        return new Readiness(s.routes, s.engine, timers, clock, s.config.readiness(), s.config.server().region());
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
     * Builds {@code config} beside the running one, reusing what it does not change (see the class
     * comment), without touching anything live: the blocking part of a reload (plugins create
     * their instances here), so it may run on a worker thread. In-process services are created
     * by the first build only: a reload keeps them.
     *
     * @throws IllegalArgumentException when a plugin refuses its options (what it created is closed)
     */
    public Prepared prepare(GatewayConfig config, PluginHost plugins) {
        State previous = state;
        List<ProviderAdapter> createdAdapters = new ArrayList<>();
        List<RouteCache> createdCaches = new ArrayList<>();
        try {
            return prepare(config, plugins, previous, createdAdapters, createdCaches);
        } catch (RuntimeException e) {
            createdAdapters.forEach(ProviderAdapter::close);
            createdCaches.forEach(RouteCache::close);
            throw e;
        }
    }

    private Prepared prepare(GatewayConfig config, PluginHost plugins, State previous,
                             List<ProviderAdapter> createdAdapters, List<RouteCache> createdCaches) {
        Map<String, ProviderAdapter> adapters = new LinkedHashMap<>();
        for (GatewayConfig.Provider p : config.providers().values()) {
            ProviderAdapter kept = previous == null || !p.equals(previous.config.providers().get(p.name())) ? null
                    : previous.adapters.get(p.name());
            if (kept != null) {
                adapters.put(p.name(), kept);
                continue;
            }
            ProviderAdapterFactory<Object> f = plugins.factory(Kind.PROVIDER, p.type());
            Object options = OptionsBinder.bind(p.options(), f.optionsType(), "providers." + p.name() + ".options");
            ProviderAdapter a = f.create(options, new ProviderContext(p.name(), p.baseUrl(), p.apiKey(), p.region(),
                    p.headers(), vertx, clock, egress(p, proxyEnv)));
            createdAdapters.add(a);
            adapters.put(p.name(), a);
        }
        Map<String, TargetRuntime> targets = new LinkedHashMap<>();
        Map<String, RouteRuntime> routes = new LinkedHashMap<>();
        Map<String, RouteGuards> guards = new HashMap<>();
        Map<String, RouteCache> caches = new HashMap<>();
        List<Runnable> adoptions = new ArrayList<>();
        for (GatewayConfig.Route r : config.routes().values()) {
            List<TargetRuntime> rts = new ArrayList<>();
            Map<String, GatewayConfig.Target> cfgs = new LinkedHashMap<>();
            for (GatewayConfig.Target t : r.targets()) {
                TargetRuntime rt = targets.get(t.id());
                if (rt == null) {
                    TargetRuntime old = previous == null ? null : previous.targets.get(t.id());
                    if (old != null) {
                        // Kept with its health; its new settings apply at the swap, on the event loop.
                        GatewayConfig.Provider p = config.providers().get(t.provider());
                        ProviderAdapter a = adapters.get(t.provider());
                        Capabilities caps = capabilities(a, t);
                        GatewayConfig.Breaker policy = r.policy().breaker();
                        adoptions.add(() -> old.adopt(p, t, caps, a, policy));
                        rt = old;
                    } else {
                        // A target's breaker is shared by every route; the first route that lists it sets its policy.
                        rt = newTarget(config, adapters, t, r.policy().breaker(), r.degradation(), clock, events);
                    }
                    targets.put(t.id(), rt);
                }
                rts.add(rt);
                cfgs.put(t.id(), t);
            }
            RouteRuntime same = previous == null || !r.equals(previous.config.routes().get(r.name())) ? null
                    : previous.routes.get(r.name());
            if (same != null) {
                routes.put(r.name(), same);
                RouteGuards g = previous.guards.get(r.name());
                if (g != null) {
                    guards.put(r.name(), g);
                }
                RouteCache c = previous.caches.get(r.name());
                if (c != null) {
                    caches.put(r.name(), c);
                }
                continue;
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
            RouteCache cache = cache(config, r, plugins);
            if (cache != null) {
                createdCaches.add(cache);
                caches.put(r.name(), cache);
            }
        }
        Set<String> secrets = new HashSet<>();
        config.providers().values().forEach(p -> secrets(p, secrets));
        FailoverEngine engine = new FailoverEngine(adapters, new EnvelopeGuard(config.envelope()), new Scrubber(secrets),
                timers, clock, random, listener);
        List<Service> services;
        if (previous != null) {
            services = previous.services;
        } else {
            services = new ArrayList<>();
            for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : config.services().entrySet()) {
                ServiceFactory<Object> f = plugins.factory(Kind.SERVICE, e.getKey());
                services.add(f.create(OptionsBinder.bind(e.getValue(), f.optionsType(), e.getKey()),
                        new ServiceContext(vertx, clock, config.file().toAbsolutePath().getParent())));
            }
        }
        DirectRoutes direct = new DirectRoutes(MAX_DIRECT_TARGETS, metrics, targets.keySet());
        return new Prepared(new State(config, adapters, targets, routes, direct, engine, services, guards, caches),
                adoptions);
    }

    /**
     * Puts a prepared config in service, at once; on the gateway's event loop. Kept targets take
     * their new settings; requests admitted from now on get the new routes, while requests in
     * flight go on with theirs. The metrics of removed routes and targets are dropped, drills move
     * to the new runtimes of their targets (and end when their target is gone), and the adapters
     * and caches nothing uses any more are closed once the longest {@code timeouts.total} of the
     * old config has passed (no call it started can still be running then).
     */
    public void swap(Prepared p) {
        State old = state;
        p.adoptions.forEach(Runnable::run);
        state = p.state;
        allowSeries(p.state);
        for (String route : old.routes.keySet()) {
            if (!p.state.routes.containsKey(route)) {
                metrics.forgetRoute(route);
            }
        }
        for (String target : old.targets.keySet()) {
            if (!p.state.targets.containsKey(target)) {
                metrics.forgetTarget(target);
            }
        }
        for (TargetRuntime t : old.direct.targets()) {
            metrics.forgetRoute(t.id());
            if (!p.state.targets.containsKey(t.id())) {
                metrics.forgetTarget(t.id());
            }
        }
        drills.reattach(p.state.targets::get);
        // Readiness follows the routes: a new run sees the new config, a schedule goes on.
        Readiness before = readiness;
        readiness = readinessOf(p.state);
        if (before != null && before.started()) {
            before.stop();
            readiness.start();
        }
        java.util.IdentityHashMap<Object, Boolean> inUse = new java.util.IdentityHashMap<>();
        p.state.adapters.values().forEach(a -> inUse.put(a, true));
        p.state.caches.values().forEach(c -> inUse.put(c, true));
        List<ProviderAdapter> oldAdapters = new ArrayList<>();
        old.adapters.values().forEach(a -> {
            if (!inUse.containsKey(a)) {
                oldAdapters.add(a);
            }
        });
        List<RouteCache> oldCaches = new ArrayList<>();
        old.caches.values().forEach(c -> {
            if (!inUse.containsKey(c)) {
                oldCaches.add(c);
            }
        });
        if (!oldAdapters.isEmpty() || !oldCaches.isEmpty()) {
            long delay = longestTotal(old.config).toMillis() + 1000;
            Retired[] slot = new Retired[1];
            long timer = vertx.setTimer(delay, id -> {
                synchronized (retired) {
                    retired.remove(slot[0]);
                }
                closeAll(slot[0]);
            });
            slot[0] = new Retired(oldAdapters, oldCaches, timer);
            synchronized (retired) {
                retired.add(slot[0]);
            }
        }
        swapListeners.forEach(Runnable::run);
    }

    /** The longest a request of {@code config} may run: its routes' and direct calls' {@code timeouts.total}. */
    private static java.time.Duration longestTotal(GatewayConfig config) {
        java.time.Duration longest = total(config.defaults());
        for (GatewayConfig.Route r : config.routes().values()) {
            java.time.Duration t = total(r.policy());
            if (t.compareTo(longest) > 0) {
                longest = t;
            }
        }
        return longest;
    }

    private static java.time.Duration total(GatewayConfig.Policy p) {
        return p.timeouts().total() != null ? p.timeouts().total() : GatewayConfig.Timeouts.DEFAULTS.total();
    }

    private Future<Void> closeAll(Retired r) {
        List<Future<?>> all = new ArrayList<>();
        r.adapters().forEach(a -> all.add(bounded(a.close(), "a provider adapter replaced by a reload")));
        r.caches().forEach(c -> all.add(bounded(c.close(), "a cache replaced by a reload")));
        return Future.join(all).mapEmpty();
    }

    /** Runs {@code listener} after every swap, on the event loop. */
    public void onSwap(Runnable listener) {
        swapListeners.add(listener);
    }

    /** The drills of this gateway. */
    public Drills drills() {
        return drills;
    }

    /** How this gateway reloads its config file, or null when it was built without one. */
    public Reload reload() {
        return reload;
    }

    /** Sets how this gateway reloads its config file (the boot does, knowing where the file is). */
    public void reload(Reload r) {
        this.reload = r;
    }

    /** Lets the configured routes and targets have metric series. */
    private void allowSeries(State s) {
        s.routes.keySet().forEach(metrics::allowRoute);
        s.targets.keySet().forEach(metrics::allowTarget);
    }

    private static Capabilities capabilities(ProviderAdapter adapter, GatewayConfig.Target t) {
        Capabilities base = adapter.capabilities(t.model());
        GatewayConfig.Capabilities o = t.capabilities();
        return o == null ? base : new Capabilities(
                o.vision() != null ? o.vision() : base.vision(), o.tools() != null ? o.tools() : base.tools(),
                o.json() != null ? o.json() : base.json(), base.otherParts(),
                o.contextWindow() != null ? o.contextWindow() : base.contextWindow());
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
        RouteGuards g = route.direct() ? null : state.guards.get(route.name());
        return g == null ? null : g.open(ctx);
    }

    /**
     * The cache of a route with a {@code cache:} block (else null), with the gateway's embeddings
     * routes for a cache that compares by meaning (those of the config running when it embeds),
     * and {@code $DETOUR_HOME/data} as the directory a plugin may unpack into.
     */
    private RouteCache cache(GatewayConfig config, GatewayConfig.Route r, PluginHost plugins) {
        GatewayConfig.Cache c = r.cache();
        if (c == null) {
            return null;
        }
        CacheContext.Embeddings embeddings = (name, request) -> {
            State now = state;
            RouteRuntime route = now.routes.get(name);
            if (route == null) {
                return Future.failedFuture(new IllegalArgumentException("no route '" + name + "' to embed with"));
            }
            RequestContext ctx = RequestContexts.of(io.vertx.core.MultiMap.caseInsensitiveMultiMap(), null, name,
                    null, now.config.server().region(), false, "openai");
            return now.engine.embed(route, request, ctx, new AbortSignal()).compose(res -> res.failure() == null
                    ? Future.succeededFuture(res.value())
                    : Future.failedFuture(new ProviderException(ErrorKind.UNKNOWN, res.failure().status(),
                            res.failure().message())));
        };
        CacheFactory<Object> f = plugins.factory(Kind.CACHE, c.plugin().type());
        ResponseCache cache = f.create(OptionsBinder.bind(c.plugin().options(), f.optionsType(), c.plugin().path()),
                new CacheContext(r.name(), vertx, clock, embeddings, dataDir()));
        return new RouteCache(r.name(), cache, c, metrics.cache(r.name(), cache::stats));
    }

    /** {@code $DETOUR_HOME/data} (the {@code detour.home} property the launcher sets, else the variable), or null. */
    private static java.nio.file.Path dataDir() {
        String home = System.getProperty("detour.home", System.getenv("DETOUR_HOME"));
        return home == null || home.isEmpty() ? null : java.nio.file.Path.of(home).toAbsolutePath().resolve("data");
    }

    /** The cache of {@code route}, or null when it has none (direct {@code provider/model} routes never do). */
    public RouteCache cache(RouteRuntime route) {
        Map<String, RouteCache> caches = state.caches;
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
        ProviderAdapter adapter = adapters.get(t.provider());
        return new TargetRuntime(p, t, new CircuitBreaker(breaker, clock), capabilities(adapter, t), clock,
                degradation, events).bind(adapter);
    }

    /** Starts the in-process services (e.g. the simulator); completes with their descriptions. */
    public Future<List<String>> startServices() {
        ledger.start(vertx);
        List<Future<String>> started = new ArrayList<>();
        for (Service s : state.services) {
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

    /**
     * Stops services and adapters (with those a reload replaced and not yet closed), and ends the
     * drills; one that does not finish within 5 s is logged and left behind.
     */
    public Future<Void> close() {
        State s = state;
        drills.endAll("the gateway stopped");
        readiness.stop();
        List<Future<?>> all = new ArrayList<>();
        all.add(bounded(ledger.close(), "the spend store"));
        s.adapters.forEach((name, a) -> all.add(bounded(a.close(), "provider '" + name + "'")));
        s.services.forEach(sv -> all.add(bounded(sv.stop(), "service " + sv.getClass().getSimpleName())));
        s.caches.forEach((name, c) -> all.add(bounded(c.close(), "the cache of route '" + name + "'")));
        List<Retired> left;
        synchronized (retired) {
            left = List.copyOf(retired);
            retired.clear();
        }
        for (Retired r : left) {
            vertx.cancelTimer(r.timer());
            all.add(closeAll(r));
        }
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
        State s = state;
        Resolution configured = model == null ? null : s.resolved.get(model);
        if (configured != null) {
            return allowed == null || allowed.contains(model) ? configured : REFUSED_NOT_ALLOWED;
        }
        String problem = nameProblem(model);
        if (problem != null) {
            return new Resolution(null, Refusal.INVALID_NAME, problem);
        }
        int slash = model.indexOf('/');
        GatewayConfig config = s.config;
        GatewayConfig.Provider p = slash <= 0 || slash == model.length() - 1 ? null
                : config.providers().get(model.substring(0, slash));
        if (p == null || ConfigLoader.outsideEnvelope(config.envelope(), p) != null) {
            return REFUSED_UNKNOWN;
        }
        if (allowed != null && !allowed.contains(model)) {
            return REFUSED_NOT_ALLOWED;
        }
        String name = model.substring(slash + 1);
        Map<String, ProviderAdapter> adapters = s.adapters;
        String bad = adapters.get(p.name()).modelProblem(name);
        if (bad != null) {
            return new Resolution(null, Refusal.INVALID_NAME, "model: '" + name + "' is not a model of provider '"
                    + p.name() + "': " + bad);
        }
        Resolution r = s.direct.get(model, () -> {
            GatewayConfig.Target t = new GatewayConfig.Target(p.name(), name, 1, -1, -1, null, null, null);
            TargetRuntime rt = s.targets.get(t.id());
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

    /** The running config (a reload replaces it; see {@link GatewayConfig#reloadedOnto}). */
    public GatewayConfig config() {
        return state.config;
    }

    /** The engine of the running config. */
    public FailoverEngine engine() {
        return state.engine;
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

    /** Which target served a request, or null when unknown or forgotten. */
    public Served servedBy(String requestId) {
        return served.find(requestId);
    }

    /** The configured routes' names (direct {@code provider/model} targets are not among them). */
    @Override
    public Collection<String> names() {
        return routes().keySet();
    }

    /** The link to the gateways sharing this one's Redis, or null without {@code cluster.redis}. */
    public ClusterLink cluster() {
        return cluster;
    }

    /** Joins {@code link}'s cluster: its shared state is this gateway's from now on. */
    public void cluster(ClusterLink link) {
        this.cluster = link;
    }

    /** Every virtual key's limits and spend (admission counts in it, {@code /admin/keys} reads it). */
    public KeyLedger ledger() {
        return ledger;
    }

    /** Readiness checks of the routes' targets: runs, the last report, each target's flag. */
    public Readiness readiness() {
        return readiness;
    }

    public EventLog events() {
        return events;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The routes of the running config. */
    public Map<String, RouteRuntime> routes() {
        return state.routes;
    }

    /**
     * Every target runtime, route targets first, then the direct ones currently kept (at most
     * {@link #MAX_DIRECT_TARGETS}); a snapshot.
     */
    public Collection<TargetRuntime> targets() {
        State s = state;
        Map<String, TargetRuntime> all = new LinkedHashMap<>(s.targets);
        s.direct.targets().forEach(t -> all.putIfAbsent(t.id(), t));
        return all.values();
    }

    public Clock clock() {
        return clock;
    }

    public Vertx vertx() {
        return vertx;
    }
}
