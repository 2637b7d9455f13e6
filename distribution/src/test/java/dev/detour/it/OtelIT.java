package dev.detour.it;

import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import dev.detour.it.OtlpReceiver.Received;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenTelemetry export through the real gateway: traces and metrics sent over OTLP/HTTP to a
 * real receiver the test runs ({@link OtlpReceiver}), a failover's spans, the client's trace
 * continued, the {@code traceparent} each upstream call carried, and a dead collector that costs
 * the requests nothing.
 */
class OtelIT extends TwoUpstreams {
    static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CLIENT_SPAN = "00f067aa0ba902b7";

    OtlpReceiver receiver;

    /** The gateway first (it sends what is pending as it stops), then the receiver. */
    @AfterEach
    void stopReceiver() {
        if (gw != null) {
            Harness.await(gw.stop());
            gw = null;
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    String config(String endpoint, String telemetryExtra) {
        return """
                server: { shutdown_grace: 3s }
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234 }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-secret-5678 }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                    retry: { attempts: 1 }
                telemetry: { otlp_endpoint: "%s", service_name: detour-it, export_interval: 200ms%s }
                """.formatted(primary.baseUrl(), backup.baseUrl(), endpoint, telemetryExtra);
    }

    static List<Received> trace(List<Received> spans, String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    static Received named(List<Received> spans, String name) {
        return spans.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span '" + name + "' in " + spans.stream().map(Received::name).toList()));
    }

    @Test
    void a_failover_is_one_server_span_with_an_attempt_span_per_upstream_call_in_the_clients_trace() {
        receiver = new OtlpReceiver(vertx).start();
        primary.always(Behaviour.status(503, "server_error", null, "The server is overloaded"));
        gw = Harness.start(vertx, config(receiver.endpoint(), ""));

        Reply r = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false),
                Map.of("traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01", "tracestate", "vendor=abc"));
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));

        List<Received> spans = trace(receiver.awaitSpans(all -> trace(all, CLIENT_TRACE).size() >= 3), CLIENT_TRACE);
        assertEquals(3, spans.size(), spans.toString());
        Received server = named(spans, "POST /v1/chat/completions");
        Received first = named(spans, "chat gpt-4o");
        Received second = named(spans, "chat gpt-4o-mini");

        assertEquals(SpanKind.SPAN_KIND_SERVER, server.span().getKind());
        assertEquals(CLIENT_SPAN, server.parentId(), "the server span continues the client's traceparent");
        assertEquals("detour-it", server.service());
        assertEquals("support", server.attr("detour.route"));
        assertEquals("backup/gpt-4o-mini", server.attr("detour.target"));
        assertEquals("2", server.attr("detour.attempt"));
        assertEquals("true", server.attr("detour.failover"));
        assertEquals("200", server.attr("http.response.status_code"));
        assertEquals(r.header("x-request-id"), server.attr("detour.request_id"));

        for (Received a : List.of(first, second)) {
            assertEquals(SpanKind.SPAN_KIND_CLIENT, a.span().getKind());
            assertEquals(server.spanId(), a.parentId(), "each attempt is a child of the server span");
            assertEquals("chat", a.attr("gen_ai.operation.name"));
            assertEquals("openai", a.attr("gen_ai.provider.name"));
            assertEquals("127.0.0.1", a.attr("server.address"));
            assertNull(a.attr("gen_ai.system"), "the retired attribute name is not used");
        }
        assertEquals("gpt-4o", first.attr("gen_ai.request.model"));
        assertEquals("primary/gpt-4o", first.attr("detour.target"));
        assertEquals("1", first.attr("detour.attempt"));
        assertEquals("false", first.attr("detour.failover"));
        assertEquals("overloaded", first.attr("error.type"), "the error kind of a 503");
        assertEquals("503", first.attr("http.response.status_code"));
        assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR,
                first.span().getStatus().getCode());

        assertEquals("gpt-4o-mini", second.attr("gen_ai.request.model"));
        assertEquals("2", second.attr("detour.attempt"));
        assertEquals("true", second.attr("detour.failover"));
        assertNull(second.attr("error.type"));
        assertEquals("gpt-4o-mini", second.attr("gen_ai.response.model"));
        assertEquals("5", second.attr("gen_ai.usage.input_tokens"));
        assertEquals("7", second.attr("gen_ai.usage.output_tokens"));
        assertEquals("[stop]", second.attr("gen_ai.response.finish_reasons"));
        assertTrue(first.span().getEventsList().isEmpty() && second.span().getEventsList().isEmpty(),
                "no content without capture_content");

        // Each upstream call carried its own attempt span as traceparent, in the client's trace.
        assertEquals(List.of("00-" + CLIENT_TRACE + "-" + first.spanId() + "-01"), primary.traceparents);
        assertEquals(List.of("00-" + CLIENT_TRACE + "-" + second.spanId() + "-01"), backup.traceparents);
        assertEquals(List.of("vendor=abc"), primary.tracestates, "the client's tracestate travels on");
        System.out.println("span tree of a failover:\n" + tree(spans));
    }

    @Test
    void metrics_arrive_over_otlp_with_the_same_figures_as_the_prometheus_text() {
        receiver = new OtlpReceiver(vertx).start();
        gw = Harness.start(vertx, config(receiver.endpoint(), ""));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("support", false)).status());
        }
        List<Metric> metrics = receiver.awaitMetrics(all -> requests(all) >= 3);
        assertEquals(3, requests(metrics));
        Metric duration = last(metrics, "gen_ai.client.operation.duration");
        assertEquals("s", duration.getUnit());
        assertEquals(3, duration.getHistogram().getDataPoints(0).getCount());
        Metric tokens = last(metrics, "gen_ai.client.token.usage");
        long output = tokens.getHistogram().getDataPointsList().stream()
                .filter(p -> "output".equals(OtlpReceiver.attr(p.getAttributesList(), "gen_ai.token.type")))
                .mapToLong(p -> (long) p.getSum()).sum();
        assertEquals(21, output, "7 output tokens per answer");
        String text = Harness.get(vertx, gw.port(), "/metrics").body();
        assertTrue(text.contains("gen_ai_client_token_usage_total{target=\"primary/gpt-4o\",type=\"output\"} 21"), text);
        assertTrue(text.contains("detour_requests_total{route=\"support\",status=\"200\"} 3"), text);
        Metric attempts = last(metrics, "detour.attempts");
        assertEquals("openai", OtlpReceiver.attr(attempts.getSum().getDataPoints(0).getAttributesList(),
                "gen_ai.provider.name"));
        assertTrue(metrics.stream().anyMatch(m -> m.getName().equals("detour.circuit.state")));
        assertTrue(receiver.metricServices().contains("detour-it"));
    }

    @Test
    void capture_content_adds_the_prompt_and_the_streamed_answer_to_the_attempt_span() {
        receiver = new OtlpReceiver(vertx).start();
        gw = Harness.start(vertx, config(receiver.endpoint(), ", capture_content: true"));
        Reply r = post(vertx, gw.port(), "/v1/chat/completions", chat("support", true));
        assertEquals(200, r.status(), r.body());
        List<Received> spans = receiver.awaitSpans(all -> all.size() >= 2);
        Received attempt = named(spans, "chat gpt-4o");
        Received server = named(spans, "POST /v1/chat/completions");
        assertEquals(server.traceId(), attempt.traceId(), "a new trace when the client sent none");
        assertEquals(server.spanId(), attempt.parentId());
        assertEquals("5", attempt.attr("gen_ai.usage.input_tokens"), "a stream's usage chunk");
        assertEquals("[stop]", attempt.attr("gen_ai.response.finish_reasons"));
        var event = attempt.span().getEventsList().stream()
                .filter(e -> e.getName().equals("gen_ai.client.inference.operation.details")).findFirst().orElseThrow();
        String input = OtlpReceiver.attr(event.getAttributesList(), "gen_ai.input.messages");
        String output = OtlpReceiver.attr(event.getAttributesList(), "gen_ai.output.messages");
        assertEquals("[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Say hello\"}]}]", input);
        assertTrue(output.contains("\"content\":\"Hello from primary\""), output);
        // Sampled, and (W3C level 2) with a random trace id: flags 03.
        assertEquals(List.of("00-" + attempt.traceId() + "-" + attempt.spanId() + "-03"), primary.traceparents);
    }

    @Test
    void a_dead_collector_costs_the_requests_nothing() throws Exception {
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();   // closed again: nothing listens there
        }
        gw = Harness.start(vertx, config("http://127.0.0.1:" + dead, ""));
        for (int i = 0; i < 10; i++) {
            Reply r = post(vertx, gw.port(), "/v1/chat/completions", chat("support", i % 2 == 0));
            assertEquals(200, r.status(), r.body());
        }
        assertEquals(10, primary.calls());
        assertTrue(primary.traceparents.stream().allMatch(t -> t.startsWith("00-")), "tracing goes on regardless");
    }

    @Test
    void without_an_endpoint_nothing_is_traced_and_no_trace_header_goes_upstream() {
        gw = Harness.start(vertx, config("", ""));
        Reply r = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false),
                Map.of("traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01"));
        assertEquals(200, r.status(), r.body());
        assertEquals(List.of("null"), primary.traceparents, "the client's header is not passed on either");
    }

    private static long requests(List<Metric> metrics) {
        Metric m = metrics.stream().filter(x -> x.getName().equals("detour.requests")).reduce((a, b) -> b).orElse(null);
        if (m == null) {
            return 0;
        }
        return m.getSum().getDataPointsList().stream()
                .filter(p -> "200".equals(OtlpReceiver.attr(p.getAttributesList(), "http.response.status_code")))
                .mapToLong(p -> p.getAsInt()).sum();
    }

    private static Metric last(List<Metric> metrics, String name) {
        return metrics.stream().filter(m -> m.getName().equals(name)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no metric " + name));
    }

    /** The spans as an indented tree, each with the attributes a reader looks for first. */
    static String tree(List<Received> spans) {
        StringBuilder sb = new StringBuilder();
        List<Received> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.comparingLong(s -> s.span().getStartTimeUnixNano()));
        for (Received root : sorted) {
            if (sorted.stream().noneMatch(s -> s.spanId().equals(root.parentId()))) {
                print(sb, root, sorted, 0);
            }
        }
        return sb.toString();
    }

    private static void print(StringBuilder sb, Received s, List<Received> all, int depth) {
        sb.append("  ".repeat(depth)).append(s.name()).append("  [").append(s.span().getKind().name()
                .replace("SPAN_KIND_", "")).append(']');
        for (String k : List.of("detour.route", "detour.target", "detour.attempt", "detour.failover", "gen_ai.provider.name",
                "gen_ai.request.model", "http.response.status_code", "error.type", "gen_ai.usage.input_tokens",
                "gen_ai.usage.output_tokens", "gen_ai.response.finish_reasons")) {
            String v = s.attr(k);
            if (v != null) {
                sb.append(' ').append(k).append('=').append(v);
            }
        }
        sb.append('\n');
        for (Received c : all) {
            if (c.parentId().equals(s.spanId())) {
                print(sb, c, all, depth + 1);
            }
        }
    }
}
