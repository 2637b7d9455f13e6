package dev.detour.core.telemetry;

import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;

/**
 * OpenTelemetry traces and metrics, exported over OTLP/HTTP (protobuf) when
 * {@code telemetry.otlp_endpoint} is set; {@link #OFF} otherwise, which costs the request path a
 * null check. One server span per API request ({@link #server}) and one client span per upstream
 * call ({@link RequestSpan}), with the W3C trace context continued from the client and sent on
 * every upstream call. Spans leave through a batch processor with a bounded queue (a full queue
 * drops, never blocks); metrics are {@link Metrics}' own series read at each export
 * ({@link OtlpMetrics}). Both exporters sit behind one {@link ExportGuard}: a dead collector costs
 * a bounded queue and a log line when export stops and one when it resumes.
 */
public final class Telemetry {
    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    /** Spans waiting for export at most; past it new spans are dropped. */
    static final int QUEUE = 2048;
    private static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The exporters, the metric reader and the span processor log every failed export through
     * java.util.logging; {@link ExportGuard} says it once per change instead. Held here:
     * java.util.logging keeps loggers weakly, and a collected one forgets its level.
     */
    private static final List<java.util.logging.Logger> EXPORT_LOGS = List.of(
            java.util.logging.Logger.getLogger("io.opentelemetry.exporter"),
            java.util.logging.Logger.getLogger("io.opentelemetry.sdk.metrics.export.PeriodicMetricReader"),
            java.util.logging.Logger.getLogger("io.opentelemetry.sdk.trace.export.BatchSpanProcessor"));

    /** No export: no spans, no headers. */
    public static final Telemetry OFF = new Telemetry();

    private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(MultiMap carrier) {
            return carrier.names();
        }

        @Override
        public String get(MultiMap carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final SdkTracerProvider tracerProvider;
    private final SdkMeterProvider meterProvider;
    private final Tracer tracer;
    private final boolean capture;
    private final String endpoint;
    /** Each target's attributes, built once (bounded by the targets the gateway keeps; cleared if direct ones churn). */
    private final Map<String, Attributes> targetAttributes = new ConcurrentHashMap<>();

    private Telemetry() {
        tracerProvider = null;
        meterProvider = null;
        tracer = null;
        capture = false;
        endpoint = "";
    }

    /** Spans from {@code provider} (a test's, exporting in memory); no metrics, nothing to close. */
    Telemetry(SdkTracerProvider provider, boolean capture) {
        tracerProvider = null;
        meterProvider = null;
        tracer = provider.get("dev.detour");
        this.capture = capture;
        endpoint = "";
    }

    private Telemetry(GatewayConfig.Telemetry cfg, Metrics metrics, Supplier<Collection<TargetRuntime>> targets) {
        endpoint = cfg.otlpEndpoint().endsWith("/") ? cfg.otlpEndpoint().substring(0, cfg.otlpEndpoint().length() - 1)
                : cfg.otlpEndpoint();
        capture = cfg.captureContent();
        EXPORT_LOGS.forEach(l -> l.setLevel(Level.OFF));
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), cfg.serviceName())));
        ExportGuard guard = new ExportGuard(endpoint, cfg.exportInterval(), System::nanoTime);
        tracerProvider = SdkTracerProvider.builder().setResource(resource)
                .addSpanProcessor(BatchSpanProcessor.builder(guard.spans(OtlpHttpSpanExporter.builder()
                                .setEndpoint(endpoint + "/v1/traces").setTimeout(EXPORT_TIMEOUT).build()))
                        .setMaxQueueSize(QUEUE).setScheduleDelay(cfg.exportInterval())
                        .setExporterTimeout(EXPORT_TIMEOUT).build())
                .build();
        meterProvider = SdkMeterProvider.builder().setResource(resource)
                .registerMetricProducer(new OtlpMetrics(metrics, targets, Clock.getDefault()))
                .registerMetricReader(PeriodicMetricReader.builder(guard.metrics(OtlpHttpMetricExporter.builder()
                                .setEndpoint(endpoint + "/v1/metrics").setTimeout(EXPORT_TIMEOUT).build()))
                        .setInterval(cfg.exportInterval()).setExporterTimeout(EXPORT_TIMEOUT).build())
                .build();
        tracer = tracerProvider.get("dev.detour");
        LOG.info("exporting traces and metrics over OTLP/HTTP to {} every {} ms as service '{}'{}", endpoint,
                cfg.exportInterval().toMillis(), cfg.serviceName(), capture ? ", with prompts and answers" : "");
    }

    /**
     * The telemetry {@code cfg} asks for: {@link #OFF} without an {@code otlp_endpoint}.
     *
     * @param metrics the series exported as metrics
     * @param targets the targets whose gauges are exported, read at each export
     */
    public static Telemetry start(GatewayConfig.Telemetry cfg, Metrics metrics,
                                  Supplier<Collection<TargetRuntime>> targets) {
        return cfg.exports() ? new Telemetry(cfg, metrics, targets) : OFF;
    }

    /** Whether spans are made and exported. */
    public boolean on() {
        return tracer != null;
    }

    /**
     * Starts the server span of an API request, named {@code POST /v1/chat/completions} and so on,
     * the child of the client's {@code traceparent} when it sent one; null when off. End it with
     * {@link RequestSpan#end}.
     */
    public RequestSpan server(HttpServerRequest req) {
        if (tracer == null) {
            return null;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), req.headers(), HEADERS);
        String path = req.path();
        String method = req.method().name();
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder(method + " " + path).setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(GenAi.HTTP_METHOD, method)
                .setAttribute(GenAi.HTTP_ROUTE, path)
                .setAttribute(GenAi.URL_PATH, path)
                .startSpan();
        return new RequestSpan(this, span);
    }

    Tracer tracer() {
        return tracer;
    }

    boolean capture() {
        return capture;
    }

    /** A target's attributes on its spans: id, provider, model, and the host it is called on. */
    Attributes target(TargetRuntime t) {
        Attributes a = targetAttributes.get(t.id());
        if (a != null) {
            return a;
        }
        if (targetAttributes.size() > 4096) {
            targetAttributes.clear();
        }
        AttributesBuilder b = OtlpMetrics.targetAttributes(t.id(), t);
        String base = t.providerConfig().baseUrl();
        if (base != null && !base.isEmpty()) {
            try {
                URI u = URI.create(base);
                if (u.getHost() != null) {
                    b.put(GenAi.SERVER_ADDRESS, u.getHost());
                    int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
                    b.put(GenAi.SERVER_PORT, port);
                }
            } catch (IllegalArgumentException ignored) {
                // A base URL the adapter accepted but URI does not: no server.address.
            }
        }
        a = b.build();
        targetAttributes.put(t.id(), a);
        return a;
    }

    /** Sends what is pending and stops exporting; bounded to a few seconds. */
    public void close() {
        if (tracerProvider == null) {
            return;
        }
        CompletableResultCode.ofAll(List.of(tracerProvider.shutdown(), meterProvider.shutdown()))
                .join(5, TimeUnit.SECONDS);
    }
}
