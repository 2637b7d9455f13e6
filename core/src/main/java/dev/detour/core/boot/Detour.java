package dev.detour.core.boot;

import dev.detour.api.Clock;
import dev.detour.core.Gateway;
import dev.detour.core.cluster.ClusterLink;
import dev.detour.core.config.ConfigException;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.Version;
import dev.detour.core.failover.Timers;
import dev.detour.core.http.InboundServer;
import dev.detour.core.ops.Reload;
import dev.detour.core.ops.Sighup;
import dev.detour.core.plugin.PluginHost;
import dev.detour.core.plugin.PluginLoadException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A running gateway: plugins loaded, config validated, services started, HTTP server listening.
 * This is what {@code detour run} starts, and what tests and {@code detour demo} start in-process.
 */
public final class Detour {
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final PluginHost plugins;
    private final Gateway gateway;
    private final InboundServer server;
    private final int port;
    private final List<String> services;
    /** The SIGHUP handler {@link #reloadOnSighup} replaced, or null. */
    private volatile Object sighupBefore;

    private Detour(Vertx vertx, boolean ownsVertx, PluginHost plugins, Gateway gateway, InboundServer server, int port,
                   List<String> services) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.plugins = plugins;
        this.gateway = gateway;
        this.server = server;
        this.port = port;
        this.services = services;
    }

    /**
     * How to start. {@code vertx} null means "create and own one". {@code clock} is the time every
     * time-dependent part reads; {@code timers} schedules the failover engine's timeouts, retries
     * and stream probes, null meaning Vert.x timers (real time) on the gateway's event loop.
     */
    public record Options(Path config, Path defaultPluginsDir, Function<String, String> env, Vertx vertx, Clock clock,
                          Timers timers, RandomGenerator random, Integer portOverride) {
        /** Options with the engine's timers on Vert.x. */
        public Options(Path config, Path defaultPluginsDir, Function<String, String> env, Vertx vertx, Clock clock,
                       RandomGenerator random, Integer portOverride) {
            this(config, defaultPluginsDir, env, vertx, clock, null, random, portOverride);
        }

        public static Options of(Path config, Path pluginsDir) {
            return new Options(config, pluginsDir, System::getenv, null, Clock.SYSTEM, null, RandomGenerator.getDefault(),
                    null);
        }

        public Options withEnv(Map<String, String> env) {
            return new Options(config, defaultPluginsDir, n -> env.containsKey(n) ? env.get(n) : System.getenv(n), vertx,
                    clock, timers, random, portOverride);
        }

        public Options withVertx(Vertx v) {
            return new Options(config, defaultPluginsDir, env, v, clock, timers, random, portOverride);
        }

        public Options withPort(int p) {
            return new Options(config, defaultPluginsDir, env, vertx, clock, timers, random, p);
        }

        public Options withRandom(RandomGenerator r) {
            return new Options(config, defaultPluginsDir, env, vertx, clock, timers, r, portOverride);
        }

        /** These options with the engine's time driven by {@code c} and {@code t} (a test's manual ones). */
        public Options withTime(Clock c, Timers t) {
            return new Options(config, defaultPluginsDir, env, vertx, c, t, random, portOverride);
        }
    }

    /** Loads plugins and config (throwing on any problem), then starts everything. */
    public static Future<Detour> start(Options o) throws ConfigException, PluginLoadException {
        ConfigLoader.Document doc = ConfigLoader.read(o.config(), o.env());
        PluginHost plugins = PluginHost.load(doc.pluginsDir(o.defaultPluginsDir()));
        GatewayConfig config;
        try {
            config = ConfigLoader.validate(doc, plugins);
        } catch (ConfigException e) {
            plugins.close();
            throw e;
        }
        if (o.portOverride() != null) {
            config = config.withServer(config.server().withPort(o.portOverride()));
        }
        Vertx vertx = o.vertx() != null ? o.vertx()
                : dev.detour.core.net.EventLoops.vertx(config.server().busyPoll().toNanos());
        boolean owns = o.vertx() == null;
        Gateway gateway;
        try {
            gateway = Gateway.build(config, plugins, vertx, o.clock(),
                    o.timers() != null ? o.timers() : Timers.of(vertx), o.random(),
                    dev.detour.core.net.Egress.Environment.of(o.env()));
        } catch (RuntimeException e) {
            plugins.close();
            if (owns) {
                vertx.close();
            }
            return Future.failedFuture(e);
        }
        if (config.cluster().enabled()) {
            gateway.cluster(new ClusterLink(vertx, config.cluster(), Version.get(), digest(config.file()), o.clock(),
                    gateway::targets, gateway.events()::cluster));
        }
        InboundServer server = new InboundServer(gateway);
        GatewayConfig finalConfig = config;
        // Everything runs on one event loop context, so the engine's state needs no locks.
        return Future.<Detour>future(p -> vertx.runOnContext(v -> {
            Reload reload = new Reload(gateway, plugins, o.config(), o.env(), o.portOverride(),
                    vertx.getOrCreateContext());
            reload.certificates(() -> server.reloadTls(gateway.config().server().tls()));
            gateway.reload(reload);
            startCluster(gateway).compose(c -> gateway.startServices())
                .recover(e -> Future.failedFuture(new IllegalStateException(
                        dev.detour.core.net.BindFailure.cause(e), e)))
                .compose(services -> server.listen()
                        .recover(e -> Future.failedFuture(new IllegalStateException(dev.detour.core.net.BindFailure
                                .describe("the gateway", finalConfig.server().host(), finalConfig.server().port(), e), e)))
                        .map(port -> {
                            gateway.readiness().start();
                            return new Detour(vertx, owns, plugins, gateway, server, port, services);
                        }))
                .onComplete(p);
        }));
    }

    private static Future<Void> startCluster(Gateway gateway) {
        if (gateway.cluster() != null) {
            gateway.cluster().start();
        }
        return Future.succeededFuture();
    }

    /** A short digest of the config file as written, so instances of a cluster see when they run different ones. */
    static String digest(Path file) {
        try {
            return ConfigLoader.sha256(java.nio.file.Files.readString(file)).substring(0, 12);
        } catch (java.io.IOException | RuntimeException e) {
            return "unreadable";
        }
    }

    /**
     * A Vert.x as a Detour process runs on, with the default busy poll (see
     * {@link dev.detour.core.net.EventLoops}).
     */
    public static Vertx newVertx() {
        return dev.detour.core.net.EventLoops.vertx(GatewayConfig.Server.DEFAULT_BUSY_POLL.toNanos());
    }

    public int port() {
        return port;
    }

    public Gateway gateway() {
        return gateway;
    }

    public PluginHost plugins() {
        return plugins;
    }

    /**
     * Re-reads {@code server.tls}'s files and serves new connections with them: what every config
     * reload does first ({@link Reload#certificates}; see {@link InboundServer#reloadTls}).
     */
    public Future<Void> reloadTls(GatewayConfig.ServerTls tls) {
        return server.reloadTls(tls);
    }

    /** What the in-process services said when they started. */
    public List<String> services() {
        return services;
    }

    /**
     * Re-reads the config file and puts it in service (see {@link Reload}); what
     * {@code POST /admin/reload} and SIGHUP do.
     *
     * @param trigger what asked for it ({@code admin}, {@code sighup}...), for the event and the log
     */
    public Future<Reload.Outcome> reload(String trigger) {
        return gateway.reload().run(trigger);
    }

    /**
     * Makes SIGHUP reload the config file, as daemons do; for the process that {@code detour run}
     * starts. Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}) by reflection, so a
     * JVM without it still runs, only without the signal: then this logs why and returns false.
     * The previous handler comes back when this gateway stops.
     *
     * @return whether SIGHUP now reloads
     */
    public boolean reloadOnSighup() {
        Object previous = Sighup.install(() -> reload("sighup"));
        if (previous == null) {
            return false;
        }
        sighupBefore = previous;
        return true;
    }

    /** Stops accepting, drains in-flight requests up to the configured grace, then releases everything. */
    public Future<Void> stop() {
        return stop(true);
    }

    /**
     * Like {@link #stop()}; with {@code releaseVertx} false an owned Vert.x is left running, for a
     * process that exits right after (closing Vert.x waits out Netty's quiet period for nothing).
     */
    public Future<Void> stop(boolean releaseVertx) {
        if (sighupBefore != null) {
            Sighup.restore(sighupBefore);
            sighupBefore = null;
        }
        long grace = gateway.config().server().shutdownGrace().toMillis();
        return server.shutdown(grace).eventually(gateway::close)
                .eventually(() -> gateway.cluster() == null ? Future.succeededFuture() : gateway.cluster().close()).eventually(() -> {
            plugins.close();
            return ownsVertx && releaseVertx ? vertx.close() : Future.succeededFuture();
        });
    }
}
