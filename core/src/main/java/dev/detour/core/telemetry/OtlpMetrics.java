package dev.detour.core.telemetry;

import dev.detour.core.health.TargetRuntime;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gateway's {@link Metrics} as OpenTelemetry metric data, read at each OTLP export: the very
 * series {@code /metrics} shows (one source of truth), so the hot path pays nothing for the export
 * and nothing is counted twice. Counters become cumulative monotonic sums, histograms keep their
 * buckets, per-target gauges are read from the targets. Runs on the SDK's metric reader thread; it
 * only reads the concurrent maps and adders.
 *
 * <p>Names: the GenAI ones where one exists ({@code gen_ai.client.operation.duration} — a
 * request's duration through the gateway, by route; {@code gen_ai.client.token.usage} — tokens per
 * answer, by target and {@code gen_ai.token.type}; {@code gen_ai.server.time_to_first_token} — by
 * target), {@code detour.*} for the rest. Target series carry {@code detour.target},
 * {@code gen_ai.provider.name} and {@code gen_ai.request.model}.
 */
final class OtlpMetrics implements MetricProducer {
    private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("dev.detour");
    private static final List<Double> SECONDS = bounds(Metrics.BUCKETS);
    private static final List<Double> TOKENS = bounds(Metrics.TOKEN_BUCKETS);

    private final Metrics metrics;
    private final Supplier<Collection<TargetRuntime>> targets;
    private final Clock clock;
    private final long start;

    OtlpMetrics(Metrics metrics, Supplier<Collection<TargetRuntime>> targets, Clock clock) {
        this.metrics = metrics;
        this.targets = targets;
        this.clock = clock;
        this.start = clock.now();
    }

    @Override
    public Collection<MetricData> produce(Resource resource) {
        long now = clock.now();
        Collection<TargetRuntime> all = targets.get();
        Map<String, TargetRuntime> byId = new HashMap<>();
        for (TargetRuntime t : all) {
            byId.put(t.id(), t);
        }
        Function<String, AttributesBuilder> target = id -> targetAttributes(id, byId.get(id));
        List<MetricData> out = new ArrayList<>(20);
        out.add(sum(resource, "detour.requests", "Requests answered, by route and status.", "{request}",
                points(metrics.requests, now, l -> Attributes.builder().put(GenAi.ROUTE, l.a())
                        .put(GenAi.HTTP_STATUS, Long.parseLong(l.b())))));
        out.add(sum(resource, "detour.attempts", "Upstream attempts, by target and outcome.", "{attempt}",
                points(metrics.attempts, now, l -> target.apply(l.a()).put(GenAi.OUTCOME, l.b()))));
        out.add(sum(resource, "detour.failovers", "Moves from a failed or skipped target to the next.", "{failover}",
                points(metrics.failovers, now, l -> Attributes.builder().put(GenAi.ROUTE, l.a()).put(GenAi.FROM, l.b()))));
        out.add(sum(resource, "detour.stream.resumes", "Cut streams continued on another target, by route and the "
                + "target that continued.", "{resume}",
                points(metrics.resumes, now, l -> target.apply(l.b()).put(GenAi.ROUTE, l.a()))));
        List<LongPointData> served = points(metrics.servedFirst, now,
                l -> target.apply(l.b()).put(GenAi.ROUTE, l.a()).put(GenAi.FIRST_CHOICE, true));
        served.addAll(points(metrics.servedOther, now,
                l -> target.apply(l.b()).put(GenAi.ROUTE, l.a()).put(GenAi.FIRST_CHOICE, false)));
        out.add(sum(resource, "detour.served", "Answers served, by route, target and whether the target was the "
                + "route's first choice.", "{answer}", served));
        out.add(histogram(resource, GenAi.CLIENT_OPERATION_DURATION, "Request duration through the gateway, by route.",
                "s", histograms(metrics.durations, SECONDS, now, l -> Attributes.builder().put(GenAi.ROUTE, l.a()))));
        out.add(histogram(resource, GenAi.CLIENT_TOKEN_USAGE, "Tokens per answer, by target and type.", "{token}",
                histograms(metrics.tokens, TOKENS, now, l -> target.apply(l.a()).put(GenAi.OPERATION_NAME, "chat")
                        .put(GenAi.TOKEN_TYPE, l.b()))));
        out.add(histogram(resource, GenAi.SERVER_TIME_TO_FIRST_TOKEN, "Time to first token of streams, by target.", "s",
                histograms(metrics.ttfts, SECONDS, now, l -> target.apply(l.a()).put(GenAi.OPERATION_NAME, "chat"))));
        List<LongPointData> circuit = new ArrayList<>();
        List<DoublePointData> score = new ArrayList<>();
        List<LongPointData> inFlight = new ArrayList<>();
        for (TargetRuntime t : all) {
            Attributes a = targetAttributes(t.id(), t).build();
            circuit.add(LongPointData.create(start, now, a, switch (t.circuit()) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
            }));
            score.add(DoublePointData.create(start, now, a, t.score(), List.of()));
            inFlight.add(LongPointData.create(start, now, a, t.inFlight()));
        }
        out.add(new Metric(resource, "detour.circuit.state", "Circuit breaker state per target: 0 closed, 1 half-open, "
                + "2 open.", "1", MetricDataType.LONG_GAUGE, GaugeData.createLongGaugeData(circuit)));
        out.add(new Metric(resource, "detour.target.health_score", "Health score per target, 0..1.", "1",
                MetricDataType.DOUBLE_GAUGE, GaugeData.createDoubleGaugeData(score)));
        out.add(new Metric(resource, "detour.target.in_flight", "Calls in flight per target.", "{call}",
                MetricDataType.LONG_GAUGE, GaugeData.createLongGaugeData(inFlight)));
        if (!metrics.caches.isEmpty()) {
            List<LongPointData> hits = new ArrayList<>();
            List<LongPointData> misses = new ArrayList<>();
            List<LongPointData> stale = new ArrayList<>();
            metrics.caches.forEach((route, c) -> {
                Attributes a = Attributes.of(GenAi.ROUTE, route);
                hits.add(LongPointData.create(start, now, a, c.hits.sum()));
                misses.add(LongPointData.create(start, now, a, c.misses.sum()));
                stale.add(LongPointData.create(start, now, a, c.stale.sum()));
            });
            out.add(sum(resource, "detour.cache.hits", "Requests answered from the cache, by route.", "{request}", hits));
            out.add(sum(resource, "detour.cache.misses", "Cache lookups that found nothing, by route.", "{request}",
                    misses));
            out.add(sum(resource, "detour.cache.stale_served", "Expired answers served because every target failed.",
                    "{request}", stale));
        }
        out.removeIf(MetricData::isEmpty);
        return out;
    }

    /** A target's attributes: its id, and when it is known, its provider and model. */
    static AttributesBuilder targetAttributes(String id, TargetRuntime t) {
        AttributesBuilder b = Attributes.builder().put(GenAi.TARGET, id);
        if (t != null) {
            b.put(GenAi.PROVIDER_NAME, GenAi.providerName(t.providerType())).put(GenAi.REQUEST_MODEL, t.model());
        }
        return b;
    }

    private List<LongPointData> points(Map<Metrics.Labels, LongAdder> series, long now,
                                       Function<Metrics.Labels, AttributesBuilder> attributes) {
        List<LongPointData> out = new ArrayList<>(series.size());
        series.forEach((l, v) -> out.add(LongPointData.create(start, now, attributes.apply(l).build(), v.sum())));
        return out;
    }

    private List<HistogramPointData> histograms(Map<Metrics.Labels, Metrics.Histogram> series, List<Double> bounds,
                                                long now, Function<Metrics.Labels, AttributesBuilder> attributes) {
        List<HistogramPointData> out = new ArrayList<>(series.size());
        series.forEach((l, h) -> {
            // Each bucket read once; the overflow bucket is what the total holds beyond them (never
            // negative while an observation is half-recorded).
            List<Long> counts = new ArrayList<>(bounds.size() + 1);
            long inBuckets = 0;
            for (LongAdder c : h.counts) {
                long n = c.sum();
                counts.add(n);
                inBuckets += n;
            }
            counts.add(Math.max(0, h.count.sum() - inBuckets));
            out.add(HistogramPointData.create(start, now, attributes.apply(l).build(), h.sum.sum(), false, 0, false, 0,
                    bounds, counts));
        });
        return out;
    }

    private static MetricData sum(Resource r, String name, String description, String unit, List<LongPointData> points) {
        return new Metric(r, name, description, unit, MetricDataType.LONG_SUM,
                SumData.createLongSumData(true, AggregationTemporality.CUMULATIVE, points));
    }

    private static MetricData histogram(Resource r, String name, String description, String unit,
                                        List<HistogramPointData> points) {
        return new Metric(r, name, description, unit, MetricDataType.HISTOGRAM,
                HistogramData.create(AggregationTemporality.CUMULATIVE, points));
    }

    private static List<Double> bounds(double[] b) {
        List<Double> out = new ArrayList<>(b.length);
        for (double d : b) {
            out.add(d);
        }
        return List.copyOf(out);
    }

    /** One metric as the exporter reads it. */
    private record Metric(Resource resource, String name, String description, String unit, MetricDataType type,
                          Data<?> data) implements MetricData {
        @Override public Resource getResource() { return resource; }
        @Override public InstrumentationScopeInfo getInstrumentationScopeInfo() { return SCOPE; }
        @Override public String getName() { return name; }
        @Override public String getDescription() { return description; }
        @Override public String getUnit() { return unit; }
        @Override public MetricDataType getType() { return type; }
        @Override public Data<?> getData() { return data; }
    }
}
