package dev.detour.core.telemetry;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportGuardTest {
    final AtomicLong now = new AtomicLong();
    final AtomicInteger sent = new AtomicInteger();
    boolean collectorUp;

    final SpanExporter collector = new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            sent.incrementAndGet();
            return collectorUp ? CompletableResultCode.ofSuccess() : CompletableResultCode.ofFailure();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    };

    @Test
    void a_dead_collector_opens_the_breaker_and_only_a_probe_per_cooldown_is_sent() {
        ExportGuard guard = new ExportGuard("http://collector:4318", java.time.Duration.ofSeconds(10), now::get);
        SpanExporter exporter = guard.spans(collector);
        assertEquals(30_000_000_000L, guard.cooldownNanos(), "three export intervals");
        for (int i = 0; i < ExportGuard.THRESHOLD; i++) {
            assertFalse(exporter.export(List.of()).isSuccess());
        }
        assertTrue(guard.isOpen());
        assertEquals(ExportGuard.THRESHOLD, sent.get());
        for (int i = 0; i < 100; i++) {
            assertFalse(exporter.export(List.of()).isSuccess(), "dropped at once while open");
        }
        assertEquals(ExportGuard.THRESHOLD, sent.get(), "nothing is sent while the breaker is open");

        now.addAndGet(guard.cooldownNanos());
        exporter.export(List.of());
        assertEquals(ExportGuard.THRESHOLD + 1, sent.get(), "one probe after the cooldown");
        assertTrue(guard.isOpen(), "the failed probe opens it again");
        now.addAndGet(guard.cooldownNanos());
        exporter.export(List.of());
        assertEquals(ExportGuard.THRESHOLD + 1, sent.get(), "the cooldown doubles while the collector stays down");

        collectorUp = true;
        now.addAndGet(guard.cooldownNanos());
        assertTrue(exporter.export(List.of()).isSuccess());
        assertFalse(guard.isOpen(), "a probe that gets through closes it");
        assertTrue(exporter.export(List.of()).isSuccess());
        assertEquals(ExportGuard.THRESHOLD + 3, sent.get());
    }

    @Test
    void failures_apart_do_not_open_it() {
        ExportGuard guard = new ExportGuard("http://collector:4318", java.time.Duration.ofSeconds(10), now::get);
        SpanExporter exporter = guard.spans(collector);
        for (int i = 0; i < 10; i++) {
            collectorUp = i % ExportGuard.THRESHOLD == 0;
            exporter.export(List.of());
        }
        assertFalse(guard.isOpen());
        assertEquals(10, sent.get());
    }
}
