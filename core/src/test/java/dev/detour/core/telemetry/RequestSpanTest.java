package dev.detour.core.telemetry;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import dev.detour.core.failover.AttemptTrace;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import dev.detour.core.config.GatewayConfig;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The spans {@link RequestSpan} makes, exported in memory: names, parents, attributes, events. */
class RequestSpanTest {
    final List<SpanData> exported = new CopyOnWriteArrayList<>();
    final SpanExporter memory = new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            exported.addAll(spans);
            return CompletableResultCode.ofSuccess();
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
    final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build();
    final GatewayConfig.Breaker breaker = new GatewayConfig.Breaker(1.0, 1000, Duration.ofSeconds(30), Duration.ofSeconds(30));
    final ManualClock clock = new ManualClock();
    final TargetRuntime target = Targets.target("primary", "gpt-4o", clock, breaker,
            new GatewayConfig.Degradation(false, 0, Duration.ofSeconds(5), Duration.ofSeconds(10)), HealthEvents.NONE);

    RequestSpan server(boolean capture) {
        Telemetry t = new Telemetry(provider, capture);
        Span s = t.tracer().spanBuilder("POST /v1/chat/completions").setSpanKind(SpanKind.SERVER).startSpan();
        return new RequestSpan(t, s);
    }

    SpanData named(String name) {
        return exported.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void the_server_span_says_what_the_response_headers_say_and_lists_the_skipped_targets() {
        RequestSpan r = server(false);
        r.skipped(target, "circuit open");
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("x-detour-route", "support")
                .add("x-detour-target", "backup/m").add("x-detour-attempts", "1").add("x-detour-failover", "true")
                .add("x-detour-cache", "miss").add("x-detour-guardrails", "pii:redacted").add("x-request-id", "req-7");
        r.end(200, h, false);
        r.end(500, h, true);   // once only
        SpanData s = named("POST /v1/chat/completions");
        assertEquals("support", s.getAttributes().get(GenAi.ROUTE));
        assertEquals("backup/m", s.getAttributes().get(GenAi.TARGET));
        assertEquals(1L, s.getAttributes().get(GenAi.ATTEMPT));
        assertEquals(true, s.getAttributes().get(GenAi.FAILOVER));
        assertEquals("miss", s.getAttributes().get(GenAi.CACHE));
        assertEquals("pii:redacted", s.getAttributes().get(GenAi.GUARDRAILS));
        assertEquals("req-7", s.getAttributes().get(GenAi.REQUEST_ID));
        assertEquals(200L, s.getAttributes().get(GenAi.HTTP_STATUS));
        assertNull(s.getAttributes().get(GenAi.ERROR_TYPE));
        assertEquals(1, exported.size());
        assertEquals(GenAi.SKIP_EVENT, s.getEvents().get(0).getName());
        assertEquals("primary/gpt-4o", s.getEvents().get(0).getAttributes().get(GenAi.TARGET));
        assertEquals("circuit open", s.getEvents().get(0).getAttributes().get(GenAi.REASON));
    }

    @Test
    void an_attempt_is_a_client_child_span_whose_traceparent_names_it() {
        RequestSpan r = server(false);
        AttemptTrace a = r.attempt(target, "chat", 1, false, true, false, null);
        String traceparent = a.headers().get("traceparent");
        a.failed(new ProviderException(ErrorKind.TIMEOUT, 0, "slow"), true);
        r.end(200, MultiMap.caseInsensitiveMultiMap(), false);
        SpanData s = named("chat gpt-4o");
        assertEquals(SpanKind.CLIENT, s.getKind());
        assertEquals(r.spanContext().getSpanId(), s.getParentSpanId());
        assertEquals("00-" + s.getTraceId() + "-" + s.getSpanId() + "-" + s.getSpanContext().getTraceFlags().asHex(),
                traceparent);
        assertEquals("cancelled", s.getAttributes().get(GenAi.ERROR_TYPE), "the loser of a hedged race");
        assertEquals(true, s.getAttributes().get(GenAi.HEDGE));
        assertEquals(StatusCode.ERROR, s.getStatus().getStatusCode());
        assertEquals("openai", s.getAttributes().get(GenAi.PROVIDER_NAME));
        assertEquals("gpt-4o", s.getAttributes().get(GenAi.REQUEST_MODEL));
        assertEquals("primary/gpt-4o", s.getAttributes().get(GenAi.TARGET));
    }

    @Test
    void captured_content_is_one_event_in_the_conventions_message_shape() {
        RequestSpan r = server(true);
        ChatRequest req = ChatRequest.builder("gpt-4o", List.of(Message.text("system", "Be brief."),
                Message.text("user", "Say \"hi\""))).build();
        AttemptTrace a = r.attempt(target, "chat", 2, true, false, true, req);
        a.answered("gpt-4o-2024", Usage.of(3, 2), FinishReason.LENGTH, "hi");
        SpanData s = named("chat gpt-4o");
        assertEquals(true, s.getAttributes().get(GenAi.RESUME));
        assertEquals(List.of("length"), s.getAttributes().get(GenAi.RESPONSE_FINISH_REASONS));
        assertEquals(3L, s.getAttributes().get(GenAi.USAGE_INPUT_TOKENS));
        assertEquals("gpt-4o-2024", s.getAttributes().get(GenAi.RESPONSE_MODEL));
        var event = s.getEvents().get(0);
        assertEquals(GenAi.CONTENT_EVENT, event.getName());
        assertEquals("[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"Be brief.\"}]},"
                + "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Say \\\"hi\\\"\"}]}]",
                event.getAttributes().get(GenAi.INPUT_MESSAGES));
        assertEquals("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}],\"finish_reason\":\"length\"}]",
                event.getAttributes().get(GenAi.OUTPUT_MESSAGES));
    }
}
