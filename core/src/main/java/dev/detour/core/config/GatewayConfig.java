package dev.detour.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated configuration (CONFIG.md), immutable. Built only by {@link ConfigLoader}: every
 * value here has passed validation, and every default has been applied.
 */
public record GatewayConfig(Path file, Server server, Path pluginsDir, Map<String, Provider> providers,
                            Envelope envelope, Policy defaults, Map<String, Route> routes, List<Key> keys,
                            Telemetry telemetry, Map<String, JsonNode> services) {

    /** This config with another {@code server:} block (a port given on the command line). */
    public GatewayConfig withServer(Server s) {
        return new GatewayConfig(file, s, pluginsDir, providers, envelope, defaults, routes, keys, telemetry, services);
    }

    /**
     * This config as a reload applies it over {@code running}: its providers, envelope, defaults
     * and routes, with the settings that only a restart changes ({@code server}, {@code plugins.dir},
     * {@code keys}, {@code telemetry}, services) kept as they run.
     */
    public GatewayConfig reloadedOnto(GatewayConfig running) {
        return new GatewayConfig(file, running.server, running.pluginsDir, providers, envelope, defaults, routes,
                running.keys, running.telemetry, running.services);
    }

    /**
     * {@code server:}.
     *
     * @param busyPoll    how long an event loop keeps polling for I/O after its last event before it
     *                    sleeps (zero: it sleeps at once); see {@code dev.detour.core.net.EventLoops}
     * @param connections the connection limits and timeouts that keep clients from holding the
     *                    gateway's sockets
     */
    public record Server(String host, int port, long maxBodySize, String adminToken, Duration shutdownGrace,
                         boolean allowUnauthenticated, String region, Duration busyPoll, Connections connections) {
        /** A server with the default busy poll and connection limits. */
        public Server(String host, int port, long maxBodySize, String adminToken, Duration shutdownGrace,
                      boolean allowUnauthenticated, String region) {
            this(host, port, maxBodySize, adminToken, shutdownGrace, allowUnauthenticated, region, DEFAULT_BUSY_POLL,
                    Connections.DEFAULTS);
        }

        public static final Duration DEFAULT_BUSY_POLL = Duration.ofNanos(50_000);

        /** The same server on another port. */
        public Server withPort(int p) {
            return new Server(host, p, maxBodySize, adminToken, shutdownGrace, allowUnauthenticated, region, busyPoll,
                    connections);
        }
    }

    /**
     * How long a client may hold a connection without using it, and how many it may hold.
     *
     * @param max            open client connections at most; one more is closed at once
     * @param headerTimeout  a new connection must have sent a whole request head within this
     * @param idleTimeout    a kept-alive connection with no request in flight is closed after this
     * @param bodyTimeout    a request body must have arrived whole within this after its head (408)
     */
    public record Connections(int max, Duration headerTimeout, Duration idleTimeout, Duration bodyTimeout) {
        public static final int DEFAULT_MAX = 10_000;
        public static final Connections DEFAULTS = new Connections(DEFAULT_MAX, Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    /** One entry of {@code providers:}. */
    public record Provider(String name, String type, String baseUrl, String apiKey, String region, String category,
                           Map<String, String> headers, Timeouts timeouts, int concurrency, JsonNode options,
                           Map<String, String> labels) {
    }

    /** Connect / first-token / idle / total timeouts; null fields inherit. */
    public record Timeouts(Duration connect, Duration firstToken, Duration idle, Duration total) {
        public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(30), Duration.ofSeconds(600));
        public static final Timeouts NONE = new Timeouts(null, null, null, null);

        /** These timeouts, with the null ones taken from {@code base}. */
        public Timeouts over(Timeouts base) {
            return new Timeouts(connect != null ? connect : base.connect, firstToken != null ? firstToken : base.firstToken,
                    idle != null ? idle : base.idle, total != null ? total : base.total);
        }
    }

    /** {@code envelope:}; null sets mean "no restriction on that label". */
    public record Envelope(Set<String> providers, Set<String> regions, Set<String> categories) {
        public static final Envelope OPEN = new Envelope(null, null, null);
    }

    /** {@code retry:}. */
    public record Retry(int attempts, Duration backoff, Duration maxBackoff, Set<Integer> onStatus,
                        Duration maxRetryAfter) {
        public static final Retry DEFAULTS = new Retry(2, Duration.ofMillis(200), Duration.ofSeconds(2),
                Set.of(429, 500, 502, 503, 504), Duration.ofSeconds(5));
    }

    /** {@code circuit_breaker:}. */
    public record Breaker(double failureRatio, int minCalls, Duration window, Duration cooldown) {
        public static final Breaker DEFAULTS = new Breaker(0.5, 5, Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /** {@code fallback_on:}: statuses and error-kind words. */
    public record FallbackOn(Set<Integer> statuses, Set<String> kinds) {
        public static final FallbackOn DEFAULTS = new FallbackOn(Set.of(401, 403, 404, 408, 429, 500, 502, 503, 504),
                Set.of("timeout", "connection", "context_length", "content_filter", "rate_limit", "overloaded",
                        "server_error", "unknown", "unsupported", "degraded", "authentication", "permission",
                        "not_found"));
    }

    /** The policy parts shared by {@code defaults:} and each route. */
    public record Policy(Retry retry, FallbackOn fallbackOn, Breaker breaker, Timeouts timeouts) {
        public static final Policy DEFAULTS = new Policy(Retry.DEFAULTS, FallbackOn.DEFAULTS, Breaker.DEFAULTS,
                Timeouts.NONE);
    }

    /** A plugin reference: a {@code type:} plus its options block. */
    public record PluginRef(String type, ObjectNode options, String path) {
    }

    /** {@code prompt:} override of a target. */
    public record Prompt(String system, String systemMode) {
    }

    /** {@code capabilities:} override of a target; null fields keep the adapter's default. */
    public record Capabilities(Boolean vision, Boolean tools, Boolean json, Integer contextWindow) {
    }

    /** One target of a route. */
    public record Target(String provider, String model, double weight, double inputPerMTok, double outputPerMTok,
                         Prompt prompt, ObjectNode params, Capabilities capabilities) {
        public String id() {
            return provider + "/" + model;
        }
    }

    /**
     * One entry of {@code routes:}.
     *
     * @param requestHeaders the request headers its strategy and guardrails may read
     *                       ({@code request_headers:}), lower case
     * @param guardrails {@code guardrails:}, in the order they run (empty for none)
     * @param cache      its {@code cache:} block, or null for none
     */
    public record Route(String name, PluginRef strategy, List<Target> targets, Policy policy,
                        List<PluginRef> detectors, Set<String> qualityGate, Degradation degradation,
                        StreamPolicy stream, Hedge hedge, List<GuardrailRef> guardrails, Cache cache,
                        List<String> requestHeaders) {
        public Route {
            guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
            requestHeaders = requestHeaders == null ? List.of() : List.copyOf(requestHeaders);
        }

        /** A route without hedging or guardrails. */
        public Route(String name, PluginRef strategy, List<Target> targets, Policy policy, List<PluginRef> detectors,
                     Set<String> qualityGate, Degradation degradation, StreamPolicy stream) {
            this(name, strategy, targets, policy, detectors, qualityGate, degradation, stream, null, List.of(), null, List.of());
        }

        /** A route without guardrails. */
        public Route(String name, PluginRef strategy, List<Target> targets, Policy policy, List<PluginRef> detectors,
                     Set<String> qualityGate, Degradation degradation, StreamPolicy stream, Hedge hedge) {
            this(name, strategy, targets, policy, detectors, qualityGate, degradation, stream, hedge, List.of(), null, List.of());
        }

        /** A route whose plugins may read {@code requestHeaders}, and nothing else set. */
        public Route(String name, PluginRef strategy, List<Target> targets, Policy policy, List<PluginRef> detectors,
                     Set<String> qualityGate, Degradation degradation, StreamPolicy stream, List<String> requestHeaders) {
            this(name, strategy, targets, policy, detectors, qualityGate, degradation, stream, null, List.of(), null,
                    requestHeaders);
        }

        /** A route with only a cache. */
        public Route(String name, PluginRef strategy, List<Target> targets, Policy policy, List<PluginRef> detectors,
                     Set<String> qualityGate, Degradation degradation, StreamPolicy stream, Cache cache) {
            this(name, strategy, targets, policy, detectors, qualityGate, degradation, stream, null, List.of(), cache, List.of());
        }
    }

    /**
     * {@code hedge:}: when a request's first attempt has no first content after {@code after}, the
     * request also goes to the next target of its plan; the first to produce content wins.
     *
     * @param after    the fixed wait, or null with {@code p95}
     * @param p95      wait the first target's recent 95th percentile time to first content instead
     * @param maxShare the most of the route's requests (over a sliding minute) that may be hedged
     */
    public record Hedge(Duration after, boolean p95, double maxShare) {
        public static final double DEFAULT_MAX_SHARE = 0.05;
    }

    /**
     * One entry of a route's {@code guardrails:}: the plugin (its {@code on} taken out of the
     * options, which core reads itself) and where it runs.
     *
     * @param input  whether it judges requests ({@code on: input | both})
     * @param output whether it judges answers, whole and streamed ({@code on: output | both})
     */
    public record GuardrailRef(PluginRef plugin, boolean input, boolean output) {
    }

    /**
     * A route's {@code cache:} block: the keys core reads itself; every other key is the plugin's
     * (in {@code plugin.options()}).
     *
     * @param plugin              the cache {@code type:} and its own options
     * @param ttl                 how long a stored answer is served as fresh (positive)
     * @param maxStale            how long past its TTL an answer is kept to be served when every
     *                            target failed (zero without {@code serve_stale_on_failure})
     * @param serveStaleOnFailure whether an expired answer may answer a request every target failed
     * @param perKey              {@code scope: key} (each virtual key has its own entries) rather than
     *                            {@code scope: route}
     */
    public record Cache(PluginRef plugin, Duration ttl, Duration maxStale, boolean serveStaleOnFailure,
                        boolean perKey) {
        public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
        public static final Duration DEFAULT_MAX_STALE = Duration.ofHours(24);
    }

    /**
     * {@code stream:}: a stream is held back for {@code probeWindow} after its first token and
     * committed only if it delivers at least {@code minTokensPerS} (0 = commit at the first token);
     * with {@code resume}, a committed stream that is cut continues on the plan's next target.
     */
    public record StreamPolicy(double minTokensPerS, Duration probeWindow, boolean resume) {
        public static final StreamPolicy DEFAULTS = new StreamPolicy(0, Duration.ofSeconds(1), false);

        /** A policy without resume. */
        public StreamPolicy(double minTokensPerS, Duration probeWindow) {
            this(minTokensPerS, probeWindow, false);
        }
    }

    /**
     * {@code degradation:}: how traffic moves away from degraded targets.
     *
     * @param gradual       shift traffic in proportion to the score (else only the breaker acts)
     * @param probeShare    share of requests a demoted target still gets first, so recovery is seen
     * @param probeInterval a demoted target gets at least one probe per interval, whatever the traffic
     * @param hold          the least time between two health state changes of a target (hysteresis)
     */
    public record Degradation(boolean gradual, double probeShare, Duration probeInterval, Duration hold) {
        public static final Degradation DEFAULTS = new Degradation(true, 0.05, Duration.ofSeconds(5),
                Duration.ofSeconds(10));
    }

    /** One virtual key. {@code keySha256} is hex, lower case. */
    public record Key(String name, String keySha256, Set<String> routes, int rpm) {
    }

    /** {@code telemetry:}. */
    public record Telemetry(boolean prometheus, String accessLog) {
    }
}
