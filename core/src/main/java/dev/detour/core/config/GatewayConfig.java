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
                            Telemetry telemetry, Map<String, JsonNode> services, Cluster cluster) {

    /**
     * {@code server:}.
     *
     * @param busyPoll    how long an event loop keeps polling for I/O after its last event before it
     *                    sleeps (zero: it sleeps at once); see {@code dev.detour.core.net.EventLoops}
     * @param connections the connection limits and timeouts that keep clients from holding the
     *                    gateway's sockets
     */
    public record Server(String host, int port, long maxBodySize, String adminToken, Duration shutdownGrace,
                         boolean allowUnauthenticated, String region, Duration busyPoll, Connections connections,
                         ServerTls tls, int maxInFlight) {
        /** A server with the default busy poll and connection limits. */
        public Server(String host, int port, long maxBodySize, String adminToken, Duration shutdownGrace,
                      boolean allowUnauthenticated, String region) {
            this(host, port, maxBodySize, adminToken, shutdownGrace, allowUnauthenticated, region, DEFAULT_BUSY_POLL,
                    Connections.DEFAULTS, null, 0);
        }

        /** A server in clear text that sheds nothing ({@code max_in_flight} unset). */
        public Server(String host, int port, long maxBodySize, String adminToken, Duration shutdownGrace,
                      boolean allowUnauthenticated, String region, Duration busyPoll, Connections connections) {
            this(host, port, maxBodySize, adminToken, shutdownGrace, allowUnauthenticated, region, busyPoll,
                    connections, null, 0);
        }

        public static final Duration DEFAULT_BUSY_POLL = Duration.ofNanos(50_000);

        /** The same server on another port. */
        public Server withPort(int p) {
            return new Server(host, p, maxBodySize, adminToken, shutdownGrace, allowUnauthenticated, region, busyPoll,
                    connections, tls, maxInFlight);
        }
    }

    /**
     * {@code server.tls}: the server speaks HTTPS only. Paths are absolute (resolved against the
     * config file's folder); the files are read when the server starts and again on every reload.
     *
     * @param cert               PEM certificate chain, the server's own certificate first
     * @param key                PEM private key of that certificate
     * @param clientCa           PEM CA certificates client certificates must chain to, or null for
     *                           no client-certificate authentication
     * @param clientAuthRequired with {@code clientCa}: a client without a valid certificate is
     *                           refused in the handshake ({@code client_auth: required}, the
     *                           default) rather than only asked for one ({@code requested})
     */
    public record ServerTls(Path cert, Path key, Path clientCa, boolean clientAuthRequired) {
    }

    /**
     * {@code providers.*.tls}: how the gateway's connections to one provider are secured. Paths
     * are absolute; null fields are not set.
     *
     * @param ca   PEM CA certificates the provider's certificate must chain to, trusted instead of
     *             the JVM's default CAs (a self-hosted model's internal CA, or a TLS-inspecting
     *             egress proxy's)
     * @param cert PEM client certificate chain presented when the provider asks (mTLS)
     * @param key  PEM private key of {@code cert}
     */
    public record ProviderTls(Path ca, Path cert, Path key) {
    }

    /** {@code proxy: none}: the provider is always called directly, whatever the environment says. */
    public static final String NO_PROXY = dev.detour.core.net.Egress.NO_PROXY;

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

    /**
     * One entry of {@code providers:}.
     *
     * @param tls   its {@code tls:} block, or null
     * @param proxy its {@code proxy:} URL, {@link #NO_PROXY}, or null for the environment's proxy variables
     * @param rpm   the provider's request quota per minute ({@code limits.rpm}), per target, 0 for none
     * @param tpm   the provider's token quota per minute ({@code limits.tpm}), per target, 0 for none
     */
    public record Provider(String name, String type, String baseUrl, String apiKey, String region, String category,
                           Map<String, String> headers, Timeouts timeouts, int concurrency, JsonNode options,
                           Map<String, String> labels, ProviderTls tls, String proxy, int rpm, long tpm) {
        /** A provider reached directly, or through the environment's proxy, with the JVM's trusted CAs, without a configured quota. */
        public Provider(String name, String type, String baseUrl, String apiKey, String region, String category,
                        Map<String, String> headers, Timeouts timeouts, int concurrency, JsonNode options,
                        Map<String, String> labels) {
            this(name, type, baseUrl, apiKey, region, category, headers, timeouts, concurrency, options, labels, null,
                    null, 0, 0);
        }

        /** Hides the proxy's URL, which may carry a password. */
        @Override
        public String toString() {
            return "Provider[" + name + ", type=" + type + ", base_url=" + baseUrl + "]";
        }
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

    /**
     * One target of a route. Prices are USD per million tokens, -1 when not configured
     * ({@code pricing:}); {@code cachedInputPerMTok} -1 means cached input costs the input price.
     */
    public record Target(String provider, String model, double weight, double inputPerMTok, double outputPerMTok,
                         Prompt prompt, ObjectNode params, Capabilities capabilities, double cachedInputPerMTok) {
        /** A target without a price for cached input. */
        public Target(String provider, String model, double weight, double inputPerMTok, double outputPerMTok,
                      Prompt prompt, ObjectNode params, Capabilities capabilities) {
            this(provider, model, weight, inputPerMTok, outputPerMTok, prompt, params, capabilities, -1);
        }

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

    /**
     * One virtual key. {@code keySha256} is hex, lower case.
     *
     * @param rpm    {@code limits.rpm}, 0 for none
     * @param tpm    {@code limits.tpm} (prompt + completion tokens per minute), 0 for none
     * @param budget {@code budget:}, or null for none
     * @param priority the highest priority its requests have when the gateway sheds load
     *                 ({@code priority}; default normal): {@code x-detour-priority} may lower it, never raise it
     */
    public record Key(String name, String keySha256, Set<String> routes, int rpm, int tpm, Budget budget,
                      Priority priority) {
        /** A key of normal priority. */
        public Key(String name, String keySha256, Set<String> routes, int rpm, int tpm, Budget budget) {
            this(name, keySha256, routes, rpm, tpm, budget, Priority.NORMAL);
        }

        /** A key with at most a request limit, of normal priority. */
        public Key(String name, String keySha256, Set<String> routes, int rpm) {
            this(name, keySha256, routes, rpm, 0, null, Priority.NORMAL);
        }
    }

    /** A request's priority when the gateway sheds load ({@code x-detour-priority}, {@code keys[].priority}). */
    public enum Priority {
        HIGH, NORMAL, LOW;

        /** The name in config, headers and metrics. */
        public String wire() {
            return switch (this) {
                case HIGH -> "high";
                case NORMAL -> "normal";
                case LOW -> "low";
            };
        }

        /** The priority {@code s} names ({@code high}, {@code normal}, {@code low}), or null for anything else. */
        public static Priority of(String s) {
            if (s == null) {
                return null;
            }
            return switch (s) {
                case "high" -> HIGH;
                case "normal" -> NORMAL;
                case "low" -> LOW;
                default -> null;
            };
        }
    }

    /**
     * A key's {@code budget:}: at most {@code usd} of spend over any rolling {@code period}.
     *
     * @param dataDir where spend is kept across restarts ({@code server.data_dir}, resolved)
     */
    public record Budget(double usd, Duration period, Path dataDir) {
    }

    /**
     * {@code telemetry:}.
     *
     * @param accessLogFile  where access-log lines are appended (resolved), or null for standard output
     * @param otlpEndpoint   the OTLP/HTTP collector's base URL ({@code /v1/traces} and
     *                       {@code /v1/metrics} are added), or "" for no export
     * @param serviceName    the {@code service.name} of what is exported
     * @param captureContent whether attempt spans carry the prompt and the answer
     * @param exportInterval how often metrics (and pending spans) are sent
     */
    public record Telemetry(boolean prometheus, String accessLog, Path accessLogFile, String otlpEndpoint,
                            String serviceName, boolean captureContent, java.time.Duration exportInterval) {
        /** The default export interval. */
        public static final java.time.Duration EXPORT_INTERVAL = java.time.Duration.ofSeconds(10);

        /** Without OTLP export. */
        public Telemetry(boolean prometheus, String accessLog, Path accessLogFile) {
            this(prometheus, accessLog, accessLogFile, "", "detour", false, EXPORT_INTERVAL);
        }

        /** Whether traces and metrics are exported. */
        public boolean exports() {
            return !otlpEndpoint.isEmpty();
        }
    }

    /**
     * {@code cluster:}: the Redis several gateways share state through, or none.
     *
     * @param redis        the Redis URL ({@code redis://[user:password@]host:port/db} or {@code rediss://}), or "" for one instance
     * @param mode         {@code standalone}, {@code sentinel} or {@code cluster}
     * @param endpoints    the further URLs of a Sentinel or Cluster deployment (the first is {@code redis})
     * @param masterName   a Sentinel deployment's master name
     * @param onRedisDown  {@code local} (serve on local state, resync when Redis returns) or {@code closed}
     *                     (refuse what needs shared state with 503 and say not ready)
     * @param syncInterval how often an instance exchanges heartbeats and target health with the others;
     *                     the bound on how long a breaker one instance opens takes to open on the rest
     * @param namespace    the prefix of every Redis key, so that several fleets can share one Redis
     */
    public record Cluster(String redis, String mode, List<String> endpoints, String masterName, String onRedisDown,
                          Duration syncInterval, String namespace) {
        public static final Cluster OFF = new Cluster("", "standalone", List.of(), "", "local",
                Duration.ofMillis(500), "detour");

        public Cluster {
            endpoints = List.copyOf(endpoints);
        }

        /** Whether a Redis is configured. */
        public boolean enabled() {
            return !redis.isEmpty();
        }

        /** Whether a Redis outage refuses what needs shared state ({@code on_redis_down: closed}). */
        public boolean closedWhenDown() {
            return "closed".equals(onRedisDown);
        }
    }
}
