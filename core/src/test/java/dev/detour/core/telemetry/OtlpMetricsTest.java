package dev.detour.core.telemetry;

import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OtlpMetricsTest {

    static MetricData named(Collection<MetricData> all, String name) {
        return all.stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + all.stream().map(MetricData::getName).toList()));
    }

    @Test
    void the_same_series_as_the_prometheus_text_with_otel_names() {
        Metrics m = new Metrics();
        m.allowRoute("support");
        m.allowTarget("primary/gpt-4o");
        m.request("support", 200, 0.02);
        m.request("support", 200, 0.3);
        m.request("support", 502, 100);
        m.tokens("primary/gpt-4o", 5, 7);
        m.tokens("primary/gpt-4o", 5, 3000);
        m.ttft("primary/gpt-4o", 0.2);
        long[] clock = {1_000};
        OtlpMetrics producer = new OtlpMetrics(m, List::of, new io.opentelemetry.sdk.common.Clock() {
            @Override
            public long now() {
                return clock[0];
            }

            @Override
            public long nanoTime() {
                return clock[0];
            }
        });
        clock[0] = 5_000;
        Collection<MetricData> out = producer.produce(Resource.empty());

        MetricData requests = named(out, "detour.requests");
        assertTrue(requests.getLongSumData().isMonotonic());
        LongPointData ok = requests.getLongSumData().getPoints().stream()
                .filter(p -> p.getAttributes().get(GenAi.HTTP_STATUS) == 200).findFirst().orElseThrow();
        assertEquals(2, ok.getValue());
        assertEquals("support", ok.getAttributes().get(GenAi.ROUTE));
        assertEquals(1_000, ok.getStartEpochNanos());
        assertEquals(5_000, ok.getEpochNanos());

        HistogramPointData duration = named(out, GenAi.CLIENT_OPERATION_DURATION).getHistogramData().getPoints()
                .iterator().next();
        assertEquals(3, duration.getCount());
        assertEquals(100.32, duration.getSum(), 1e-9);
        assertEquals(Metrics.BUCKETS.length + 1, duration.getCounts().size());
        assertEquals(1, duration.getCounts().get(duration.getCounts().size() - 1), "100 s is above every bound");
        assertEquals("s", named(out, GenAi.CLIENT_OPERATION_DURATION).getUnit());

        MetricData tokens = named(out, GenAi.CLIENT_TOKEN_USAGE);
        HistogramPointData output = tokens.getHistogramData().getPoints().stream()
                .filter(p -> "output".equals(p.getAttributes().get(GenAi.TOKEN_TYPE))).findFirst().orElseThrow();
        assertEquals(2, output.getCount());
        assertEquals(3007, output.getSum(), 1e-9);
        assertEquals("primary/gpt-4o", output.getAttributes().get(GenAi.TARGET));
        assertEquals("{token}", tokens.getUnit());
        assertTrue(m.render(List.of()).contains("gen_ai_client_token_usage_total{target=\"primary/gpt-4o\",type=\"output\"} 3007"),
                "/metrics shows the same figure");

        assertEquals(1, named(out, GenAi.SERVER_TIME_TO_FIRST_TOKEN).getHistogramData().getPoints().iterator().next()
                .getCount());
        assertFalse(out.stream().anyMatch(MetricData::isEmpty), "no empty metric is exported");
    }
}
