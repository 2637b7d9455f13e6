package dev.detour.core.telemetry;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.function.LongSupplier;

/**
 * A circuit breaker around the OTLP exporters, so a dead collector costs little and says so once:
 * after {@link #THRESHOLD} exports in a row fail, nothing is sent for a cooldown (three export
 * intervals, at least 1 s; doubling up to 5 min while the collector stays down); the batch in
 * hand is dropped at once, and the
 * span queue stays bounded by the batch processor. Then one export is let through: its success
 * closes the breaker, its failure opens it again. One log line when it opens, one when it closes.
 * Exports run on the SDK's own threads, never on an event loop; thread-safe.
 */
final class ExportGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ExportGuard.class);
    /** Failed exports in a row that open the breaker. */
    static final int THRESHOLD = 3;
    static final long MAX_COOLDOWN_NANOS = 300_000_000_000L;

    private final String endpoint;
    private final LongSupplier nanos;
    /** The first cooldown. */
    private final long cooldownNanos;
    private int failures;
    private boolean open;
    private boolean probing;
    private long cooldown;
    private long openUntil;

    /**
     * @param endpoint the collector, for the log lines
     * @param interval the export interval: the first cooldown is three of them (at least 1 s)
     * @param nanos    monotonic time
     */
    ExportGuard(String endpoint, java.time.Duration interval, LongSupplier nanos) {
        this.endpoint = endpoint;
        this.nanos = nanos;
        this.cooldownNanos = Math.min(MAX_COOLDOWN_NANOS, Math.max(1_000_000_000L, 3 * interval.toNanos()));
        this.cooldown = cooldownNanos;
    }

    /** The first cooldown after the breaker opens. */
    long cooldownNanos() {
        return cooldownNanos;
    }

    /** Whether an export may be sent now (while open, only the one probe after the cooldown). */
    synchronized boolean allow() {
        if (!open) {
            return true;
        }
        if (probing || nanos.getAsLong() - openUntil < 0) {
            return false;
        }
        probing = true;
        return true;
    }

    /** An export reached the collector. */
    synchronized void succeeded() {
        failures = 0;
        probing = false;
        cooldown = cooldownNanos;
        if (open) {
            open = false;
            LOG.info("OTLP export to {} works again", endpoint);
        }
    }

    /** An export failed ({@code cause} may be null: the collector answered with an error status). */
    synchronized void failed(Throwable cause) {
        if (open) {
            probing = false;
            cooldown = Math.min(cooldown * 2, MAX_COOLDOWN_NANOS);
            openUntil = nanos.getAsLong() + cooldown;
            return;
        }
        if (++failures >= THRESHOLD) {
            open = true;
            openUntil = nanos.getAsLong() + cooldown;
            LOG.warn("OTLP export to {} failed {} times in a row ({}); spans and metrics are dropped until it answers "
                    + "(tried again after {} ms, then less often)", endpoint, failures,
                    cause == null ? "the collector refused it" : cause.toString(), cooldown / 1_000_000);
        }
    }

    /** Whether the breaker is open. */
    synchronized boolean isOpen() {
        return open;
    }

    private CompletableResultCode guard(java.util.function.Supplier<CompletableResultCode> send) {
        if (!allow()) {
            return CompletableResultCode.ofFailure();
        }
        CompletableResultCode r;
        try {
            r = send.get();
        } catch (RuntimeException e) {
            failed(e);
            return CompletableResultCode.ofFailure();
        }
        r.whenComplete(() -> {
            if (r.isSuccess()) {
                succeeded();
            } else {
                failed(r.getFailureThrowable());
            }
        });
        return r;
    }

    /** {@code exporter} behind this breaker. */
    SpanExporter spans(SpanExporter exporter) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return guard(() -> exporter.export(spans));
            }

            @Override
            public CompletableResultCode flush() {
                return exporter.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return exporter.shutdown();
            }
        };
    }

    /** {@code exporter} behind this breaker. */
    MetricExporter metrics(MetricExporter exporter) {
        return new MetricExporter() {
            @Override
            public CompletableResultCode export(Collection<MetricData> metrics) {
                return guard(() -> exporter.export(metrics));
            }

            @Override
            public CompletableResultCode flush() {
                return exporter.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return exporter.shutdown();
            }

            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return exporter.getAggregationTemporality(type);
            }

            @Override
            public Aggregation getDefaultAggregation(InstrumentType type) {
                return exporter.getDefaultAggregation(type);
            }

            @Override
            public MemoryMode getMemoryMode() {
                return exporter.getMemoryMode();
            }
        };
    }
}
