package dev.detour.core.telemetry;

import dev.detour.api.cache.CacheStats;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineListener;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.TargetRuntime;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The gateway's metrics, rendered as Prometheus text on {@code /metrics}. Counters are
 * {@link LongAdder}s keyed by their label set; histograms use fixed buckets. Kept in-house because
 * the hot path needs a handful of increments, not an SDK pipeline.
 *
 * <p>Series exist only for routes and targets the gateway has allowed ({@link #allowRoute},
 * {@link #allowTarget}): configured ones, and the bounded set of direct {@code provider/model}
 * ones alive at the time. Direct names come from clients, so an observation for a name that is
 * not (or no longer) allowed is dropped, and {@link #forgetRoute} / {@link #forgetTarget} remove
 * every series of an evicted name: the number of series is bounded by configuration, not by
 * traffic. Label values are escaped as the text format requires. Thread-safe.
 */
public final class Metrics implements EngineListener {
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** Tokens per answer: the buckets the GenAI conventions give {@code gen_ai.client.token.usage}. */
    static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
            16777216, 67108864};

    // Keyed by label values, not rendered label strings: the hot path does a lookup, never builds a string.
    // Package-private: OtlpMetrics exports the very same series over OTLP (one source of truth).
    final Map<Labels, LongAdder> requests = new ConcurrentHashMap<>();
    final Map<Labels, LongAdder> attempts = new ConcurrentHashMap<>();
    final Map<Labels, LongAdder> failovers = new ConcurrentHashMap<>();
    final Map<Labels, LongAdder> resumes = new ConcurrentHashMap<>();
    // detour_served_total's third label (first_choice) picks the map: the hot path stays one lookup.
    final Map<Labels, LongAdder> servedFirst = new ConcurrentHashMap<>();
    final Map<Labels, LongAdder> servedOther = new ConcurrentHashMap<>();
    /** Tokens per answer by target and type; {@code /metrics} shows their sum as a counter. */
    final Map<Labels, Histogram> tokens = new ConcurrentHashMap<>();
    final Map<Labels, Histogram> durations = new ConcurrentHashMap<>();
    final Map<Labels, Histogram> ttfts = new ConcurrentHashMap<>();
    /** {@code detour_cost_usd_total}; key names come from the config, so bounded like routes and targets. */
    final Map<CostLabels, java.util.concurrent.atomic.DoubleAdder> costs = new ConcurrentHashMap<>();

    /** The cache figures of each route that has a cache (configured routes only, so bounded by the config). */
    final Map<String, CacheSeries> caches = new ConcurrentHashMap<>();

    /** Requests shed at admission, by priority (its ordinal): three fixed series. */
    private final LongAdder[] shed = {new LongAdder(), new LongAdder(), new LongAdder()};

    private final Set<String> routes = ConcurrentHashMap.newKeySet();
    private final Set<String> targets = ConcurrentHashMap.newKeySet();

    /** The labels of a cost series: route, target, key name ("" without keys). */
    private record CostLabels(String route, String target, String key) {
    }

    /** The values of one series' labels; the names are fixed per metric. */
    record Labels(String a, String b) {
    }

    private static final String[] STATUS_TEXT = new String[600];

    static {
        for (int i = 0; i < STATUS_TEXT.length; i++) {
            STATUS_TEXT[i] = Integer.toString(i);
        }
    }

    private static String status(int s) {
        return s >= 0 && s < STATUS_TEXT.length ? STATUS_TEXT[s] : Integer.toString(s);
    }

    /** A request was shed at {@code priority} ({@code server.max_in_flight}). */
    public void shed(dev.detour.core.config.GatewayConfig.Priority priority) {
        shed[priority.ordinal()].increment();
    }

    /** Lets {@code route} have series (a configured route, or a direct one just created). */
    public void allowRoute(String route) {
        routes.add(route);
    }

    /**
     * The cache series of {@code route}, created once when its cache is: the hot path then counts
     * on it without a lookup.
     *
     * @param stats what the cache holds and has dropped, read when {@code /metrics} is rendered
     *              (a cache that answers null there has no entries, bytes or evictions series)
     */
    public CacheSeries cache(String route, Supplier<CacheStats> stats) {
        CacheSeries c = new CacheSeries(stats);
        caches.put(route, c);
        return c;
    }

    /** Hits, misses and stale answers of one route's cache, and the similarity of its hits. */
    public static final class CacheSeries {
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();
        final LongAdder stale = new LongAdder();
        private final Histogram similarity = new Histogram(SIMILARITY_BUCKETS);
        private final Supplier<CacheStats> stats;

        private CacheSeries(Supplier<CacheStats> stats) {
            this.stats = stats;
        }

        /** A lookup found a fresh answer, {@code similarity} close (1 for an exact match). */
        public void hit(double sim) {
            hits.increment();
            similarity.observe(sim);
        }

        /** A lookup found nothing (or was skipped by the client's {@code no-cache}). */
        public void miss() {
            misses.increment();
        }

        /** An expired answer was served because every target failed. */
        public void stale() {
            stale.increment();
        }
    }

    private static final double[] SIMILARITY_BUCKETS = {0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 1};

    /** Lets {@code target} (its id) have series. */
    public void allowTarget(String target) {
        targets.add(target);
    }

    /** Drops every series labelled with {@code route}, and any later observation for it until allowed again. */
    public void forgetRoute(String route) {
        // Disallow first: a concurrent first observation then sees the name gone and removes its own series.
        routes.remove(route);
        requests.keySet().removeIf(l -> l.a().equals(route));
        durations.keySet().removeIf(l -> l.a().equals(route));
        failovers.keySet().removeIf(l -> l.a().equals(route));
        resumes.keySet().removeIf(l -> l.a().equals(route));
        servedFirst.keySet().removeIf(l -> l.a().equals(route));
        servedOther.keySet().removeIf(l -> l.a().equals(route));
        costs.keySet().removeIf(l -> l.route().equals(route));
    }

    /** Drops every series labelled with target {@code target}, and any later observation for it until allowed again. */
    public void forgetTarget(String target) {
        targets.remove(target);
        attempts.keySet().removeIf(l -> l.a().equals(target));
        tokens.keySet().removeIf(l -> l.a().equals(target));
        costs.keySet().removeIf(l -> l.target().equals(target));
        ttfts.keySet().removeIf(l -> l.a().equals(target));
        failovers.keySet().removeIf(l -> target.equals(l.b()));
        resumes.keySet().removeIf(l -> target.equals(l.b()));
        servedFirst.keySet().removeIf(l -> target.equals(l.b()));
        servedOther.keySet().removeIf(l -> target.equals(l.b()));
    }

    /** A request finished with {@code status} on {@code route} after {@code seconds}; dropped for a route not allowed. */
    public void request(String route, int status, double seconds) {
        LongAdder n = series(requests, new Labels(route, status(status)), routes, null, LongAdder::new);
        if (n != null) {
            n.increment();
        }
        Histogram h = series(durations, new Labels(route, null), routes, null, Histogram::new);
        if (h != null) {
            h.observe(seconds);
        }
    }

    /** Time to first token of a stream served by {@code target}; dropped for a target not allowed. */
    public void ttft(String target, double seconds) {
        Histogram h = series(ttfts, new Labels(target, null), targets, null, Histogram::new);
        if (h != null) {
            h.observe(seconds);
        }
    }

    /** Tokens used by a served answer; dropped for a target not allowed. */
    public void tokens(String target, int input, int output) {
        if (input > 0) {
            Histogram h = series(tokens, new Labels(target, "input"), targets, null, Metrics::tokenHistogram);
            if (h != null) {
                h.observe(input);
            }
        }
        if (output > 0) {
            Histogram h = series(tokens, new Labels(target, "output"), targets, null, Metrics::tokenHistogram);
            if (h != null) {
                h.observe(output);
            }
        }
    }

    /**
     * {@code usd} spent on an answer of {@code route} served by {@code target} for the key named
     * {@code key} (null without keys), priced by the target's {@code pricing}; dropped for a route
     * or target not allowed.
     */
    public void cost(String route, String target, String key, double usd) {
        CostLabels l = new CostLabels(route, target, key == null ? "" : key);
        java.util.concurrent.atomic.DoubleAdder a = costs.get(l);
        if (a == null) {
            if (!routes.contains(route) || !targets.contains(target)) {
                return;
            }
            a = costs.computeIfAbsent(l, k -> new java.util.concurrent.atomic.DoubleAdder());
            if (!routes.contains(route) || !targets.contains(target)) {
                costs.remove(l, a);
                return;
            }
        }
        a.add(usd);
    }

    /** A cut stream of {@code route} was continued by target {@code to} ({@code stream.resume}). */
    public void resumed(String route, String to) {
        LongAdder n = series(resumes, new Labels(route, to), routes, targets, LongAdder::new);
        if (n != null) {
            n.increment();
        }
    }

    @Override
    public void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord r) {
        String outcome = r.skipped() != null ? "skipped" : r.kind() == null ? "success" : r.kind();
        LongAdder n = series(attempts, new Labels(target.id(), outcome), targets, null, LongAdder::new);
        if (n != null) {
            n.increment();
        }
    }

    @Override
    public void failover(RouteRuntime route, TargetRuntime from, String reason) {
        LongAdder n = series(failovers, new Labels(route.name(), from.id()), routes, targets, LongAdder::new);
        if (n != null) {
            n.increment();
        }
    }

    @Override
    public void served(RouteRuntime route, TargetRuntime target, boolean firstChoice) {
        LongAdder n = series(firstChoice ? servedFirst : servedOther, new Labels(route.name(), target.id()), routes,
                targets, LongAdder::new);
        if (n != null) {
            n.increment();
        }
    }

    /**
     * The answers {@code target} served on {@code route} so far ({@code detour_served_total} over
     * both values of {@code first_choice}), for the admin view.
     */
    public long served(String route, String target) {
        Labels l = new Labels(route, target);
        LongAdder first = servedFirst.get(l);
        LongAdder other = servedOther.get(l);
        return (first == null ? 0 : first.sum()) + (other == null ? 0 : other.sum());
    }

    /**
     * The series for {@code labels}, created on first use only while its first label is in
     * {@code first} (and its second in {@code second}, when given); null otherwise. The common
     * case, an existing series, is one lookup.
     */
    private static <V> V series(Map<Labels, V> map, Labels labels, Set<String> first, Set<String> second,
                                Supplier<V> make) {
        V v = map.get(labels);
        if (v != null) {
            return v;
        }
        if (!allowed(labels, first, second)) {
            return null;
        }
        v = map.computeIfAbsent(labels, k -> make.get());
        if (!allowed(labels, first, second)) {
            // Forgotten meanwhile: the forget may have swept before this series existed.
            map.remove(labels, v);
            return null;
        }
        return v;
    }

    private static boolean allowed(Labels l, Set<String> first, Set<String> second) {
        return first.contains(l.a()) && (second == null || second.contains(l.b()));
    }

    /** Prometheus text exposition of everything, plus per-target gauges. */
    public String render(Collection<TargetRuntime> targets) {
        StringBuilder sb = new StringBuilder(4096);
        counter(sb, "detour_requests_total", "Requests answered, by route and status.", named(requests, "route", "status"));
        counter(sb, "detour_attempts_total", "Upstream attempts, by target and outcome.",
                named(attempts, "target", "outcome"));
        counter(sb, "detour_failovers_total", "Moves from a failed or skipped target to the next.",
                named(failovers, "route", "from"));
        counter(sb, "detour_stream_resumes_total", "Cut streams continued on another target, by route and the target that continued.",
                named(resumes, "route", "to"));
        Map<String, LongAdder> served = new TreeMap<>();
        servedFirst.forEach((l, v) -> served.put(labels("route", l.a(), "target", l.b(), "first_choice", "true"), v));
        servedOther.forEach((l, v) -> served.put(labels("route", l.a(), "target", l.b(), "first_choice", "false"), v));
        counter(sb, "detour_served_total", "Answers served, by route, target and whether the target was the route's"
                + " first choice (a health shift or a failover moved the others).", served);
        sb.append("# HELP gen_ai_client_token_usage_total Tokens used, by target and type.\n")
                .append("# TYPE gen_ai_client_token_usage_total counter\n");
        named(tokens, "target", "type").forEach((l, h) -> sb.append("gen_ai_client_token_usage_total").append(l)
                .append(' ').append((long) h.sum.sum()).append('\n'));
        sb.append("# HELP detour_cost_usd_total Spend on answers, USD by the targets' pricing, by route, target and key name.\n")
                .append("# TYPE detour_cost_usd_total counter\n");
        Map<String, Double> cost = new TreeMap<>();
        costs.forEach((l, v) -> cost.put(labels("route", l.route(), "target", l.target(), "key", l.key()), v.sum()));
        cost.forEach((l, v) -> sb.append("detour_cost_usd_total").append(l).append(' ').append(v).append('\n'));
        Map<String, LongAdder> shedByPriority = new TreeMap<>();
        for (dev.detour.core.config.GatewayConfig.Priority p : dev.detour.core.config.GatewayConfig.Priority.values()) {
            shedByPriority.put(labels("priority", p.wire()), shed[p.ordinal()]);
        }
        counter(sb, "detour_shed_total", "Requests refused at once because the gateway was past server.max_in_flight,"
                + " by priority.", shedByPriority);
        sb.append("# HELP detour_circuit_state Circuit breaker state per target: 0 closed, 1 half-open, 2 open.\n")
                .append("# TYPE detour_circuit_state gauge\n");
        for (TargetRuntime t : targets) {
            int v = switch (t.circuit()) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
            };
            sb.append("detour_circuit_state").append(labels("target", t.id())).append(' ').append(v).append('\n');
        }
        sb.append("# HELP detour_target_health_score Health score per target, 0..1.\n")
                .append("# TYPE detour_target_health_score gauge\n");
        for (TargetRuntime t : targets) {
            sb.append("detour_target_health_score").append(labels("target", t.id())).append(' ').append(t.score()).append('\n');
        }
        sb.append("# HELP detour_target_in_flight Calls in flight per target.\n# TYPE detour_target_in_flight gauge\n");
        for (TargetRuntime t : targets) {
            sb.append("detour_target_in_flight").append(labels("target", t.id())).append(' ').append(t.inFlight()).append('\n');
        }
        histogram(sb, "gen_ai_client_operation_duration_seconds", "Request duration through the gateway, by route.",
                named(durations, "route", null));
        histogram(sb, "detour_time_to_first_token_seconds", "Time to first token of streams, by target.",
                named(ttfts, "target", null));
        if (!caches.isEmpty()) {
            renderCaches(sb);
        }
        return sb.toString();
    }

    private void renderCaches(StringBuilder sb) {
        Map<String, LongAdder> hits = new TreeMap<>();
        Map<String, LongAdder> misses = new TreeMap<>();
        Map<String, LongAdder> stale = new TreeMap<>();
        Map<String, Histogram> similarity = new TreeMap<>();
        Map<String, CacheStats> held = new TreeMap<>();
        caches.forEach((route, c) -> {
            String l = labels("route", route);
            hits.put(l, c.hits);
            misses.put(l, c.misses);
            stale.put(l, c.stale);
            similarity.put(l, c.similarity);
            CacheStats st = c.stats.get();
            if (st != null) {
                held.put(l, st);
            }
        });
        counter(sb, "detour_cache_hits_total", "Requests answered from the cache, by route.", hits);
        counter(sb, "detour_cache_misses_total", "Cache lookups that found nothing (or were skipped by no-cache), by route.",
                misses);
        counter(sb, "detour_cache_stale_served_total", "Expired answers served because every target failed, by route.",
                stale);
        gaugeOf(sb, "detour_cache_evictions_total", "counter", "Entries dropped to stay within the cache's bounds.", held,
                CacheStats::evictions);
        gaugeOf(sb, "detour_cache_expirations_total", "counter", "Entries dropped because their TTL and stale time passed.",
                held, CacheStats::expirations);
        gaugeOf(sb, "detour_cache_entries", "gauge", "Entries held (stale ones included), by route.", held,
                CacheStats::entries);
        gaugeOf(sb, "detour_cache_bytes", "gauge", "Estimated size of the entries held, by route.", held,
                CacheStats::bytes);
        histogram(sb, "detour_cache_hit_similarity", "Similarity of the stored request to the one looked up, per hit "
                + "(1 for an exact match).", similarity);
    }

    private static void gaugeOf(StringBuilder sb, String name, String type, String help, Map<String, CacheStats> values,
                                java.util.function.ToLongFunction<CacheStats> value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        values.forEach((l, v) -> sb.append(name).append(l).append(' ').append(value.applyAsLong(v)).append('\n'));
    }

    private static <V> Map<String, V> named(Map<Labels, V> series, String first, String second) {
        Map<String, V> out = new TreeMap<>();
        series.forEach((l, v) -> out.put(second == null ? labels(first, l.a()) : labels(first, l.a(), second, l.b()), v));
        return out;
    }

    private static void counter(StringBuilder sb, String name, String help, Map<String, LongAdder> values) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n");
        new TreeMap<>(values).forEach((l, v) -> sb.append(name).append(l).append(' ').append(v.sum()).append('\n'));
    }

    private static void histogram(StringBuilder sb, String name, String help, Map<String, Histogram> values) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" histogram\n");
        new TreeMap<>(values).forEach((l, h) -> {
            String inner = l.substring(1, l.length() - 1);
            long cumulative = 0;
            for (int i = 0; i < h.buckets.length; i++) {
                cumulative += h.counts[i].sum();
                sb.append(name).append("_bucket{").append(inner).append(",le=\"").append(h.buckets[i]).append("\"} ")
                        .append(cumulative).append('\n');
            }
            sb.append(name).append("_bucket{").append(inner).append(",le=\"+Inf\"} ").append(h.count.sum()).append('\n');
            sb.append(name).append("_sum").append(l).append(' ').append(h.sum.sum()).append('\n');
            sb.append(name).append("_count").append(l).append(' ').append(h.count.sum()).append('\n');
        });
    }

    static String labels(String... kv) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(kv[i]).append("=\"");
            escape(sb, kv[i + 1]);
            sb.append('"');
        }
        return sb.append('}').toString();
    }

    /** A label value as the text format requires: backslash, double quote and line feed escaped. */
    static void escape(StringBuilder sb, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
    }

    private static Histogram tokenHistogram() {
        return new Histogram(TOKEN_BUCKETS);
    }

    /** Fixed buckets, each counted on its own (not cumulative); the last, above every bound, is implied by {@link #count}. */
    static final class Histogram {
        final double[] buckets;
        final LongAdder[] counts;
        final LongAdder count = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram() {
            this(BUCKETS);
        }

        Histogram(double[] buckets) {
            this.buckets = buckets;
            counts = new LongAdder[buckets.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double v) {
            for (int i = 0; i < buckets.length; i++) {
                if (v <= buckets[i]) {
                    counts[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(v);
        }
    }
}
