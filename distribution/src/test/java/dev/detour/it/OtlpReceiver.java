package dev.detour.it;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

import static dev.detour.it.Harness.await;

/**
 * A real OTLP/HTTP receiver for tests: a Vert.x server on a loopback port that takes
 * {@code POST /v1/traces} and {@code POST /v1/metrics} as a collector does (protobuf bodies,
 * decoded with the protocol's own classes) and keeps what arrived. Tests wait on what it
 * received ({@link #awaitSpans}, {@link #awaitMetrics}), never on time.
 */
final class OtlpReceiver implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();

    /** One received span and its resource's {@code service.name}. */
    record Received(Span span, String service) {
        String traceId() {
            return HEX.formatHex(span.getTraceId().toByteArray());
        }

        String spanId() {
            return HEX.formatHex(span.getSpanId().toByteArray());
        }

        String parentId() {
            return HEX.formatHex(span.getParentSpanId().toByteArray());
        }

        String name() {
            return span.getName();
        }

        /** An attribute's value as a string (a number or boolean as written), or null. */
        String attr(String key) {
            return OtlpReceiver.attr(span.getAttributesList(), key);
        }
    }

    private final Vertx vertx;
    private HttpServer server;
    private final List<Received> spans = new ArrayList<>();
    private final List<Metric> metrics = new ArrayList<>();
    private final List<String> metricServices = new ArrayList<>();

    OtlpReceiver(Vertx vertx) {
        this.vertx = vertx;
    }

    OtlpReceiver start() {
        server = vertx.createHttpServer();
        server.requestHandler(req -> req.body().onSuccess(body -> {
            try {
                if (req.path().equals("/v1/traces")) {
                    traces(ExportTraceServiceRequest.parseFrom(body.getBytes()));
                    req.response().putHeader("content-type", "application/x-protobuf")
                            .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
                } else if (req.path().equals("/v1/metrics")) {
                    metrics(ExportMetricsServiceRequest.parseFrom(body.getBytes()));
                    req.response().putHeader("content-type", "application/x-protobuf")
                            .end(Buffer.buffer(ExportMetricsServiceResponse.getDefaultInstance().toByteArray()));
                } else {
                    req.response().setStatusCode(404).end();
                }
            } catch (Exception e) {
                req.response().setStatusCode(400).end(String.valueOf(e));
            }
        }));
        await(server.listen(0, "127.0.0.1"));
        return this;
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    private synchronized void traces(ExportTraceServiceRequest r) {
        for (ResourceSpans rs : r.getResourceSpansList()) {
            String service = attr(rs.getResource().getAttributesList(), "service.name");
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    spans.add(new Received(s, service));
                }
            }
        }
        notifyAll();
    }

    private synchronized void metrics(ExportMetricsServiceRequest r) {
        for (ResourceMetrics rm : r.getResourceMetricsList()) {
            Resource res = rm.getResource();
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                metrics.addAll(sm.getMetricsList());
                metricServices.add(attr(res.getAttributesList(), "service.name"));
            }
        }
        notifyAll();
    }

    /** Waits (up to 20 s) until the spans received so far satisfy {@code done}; returns them. */
    synchronized List<Received> awaitSpans(Predicate<List<Received>> done) {
        return waitFor(() -> done.test(spans) ? List.copyOf(spans) : null, "spans: " + spans);
    }

    /** Waits (up to 20 s) until the metrics received so far satisfy {@code done}; returns them. */
    synchronized List<Metric> awaitMetrics(Predicate<List<Metric>> done) {
        return waitFor(() -> done.test(metrics) ? List.copyOf(metrics) : null, "metrics: "
                + metrics.stream().map(Metric::getName).distinct().toList());
    }

    synchronized List<String> metricServices() {
        return List.copyOf(metricServices);
    }

    private <T> T waitFor(java.util.function.Supplier<T> check, String what) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        T v;
        while ((v = check.get()) == null) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("the receiver did not get what was awaited; it has " + what);
            }
            try {
                wait(left);   // woken by each export that arrives
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return v;
    }

    static String attr(List<KeyValue> attrs, String key) {
        for (KeyValue kv : attrs) {
            if (kv.getKey().equals(key)) {
                AnyValue v = kv.getValue();
                return switch (v.getValueCase()) {
                    case STRING_VALUE -> v.getStringValue();
                    case INT_VALUE -> Long.toString(v.getIntValue());
                    case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
                    case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
                    case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(AnyValue::getStringValue).toList()
                            .toString();
                    default -> v.toString();
                };
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (server != null) {
            Future<Void> f = server.close();
            await(f);
        }
    }
}
