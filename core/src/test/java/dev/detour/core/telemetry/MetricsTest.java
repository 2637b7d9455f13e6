package dev.detour.core.telemetry;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    /** A sample line of the text format: name, optional labels with escaped values, a value. */
    static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\""
                    + "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\")*})? \\S+");

    static void assertParseable(String text) {
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            assertTrue(SAMPLE.matcher(line).matches(), "not a sample line: [" + line + "]");
        }
    }

    @Test
    void label_values_escape_backslash_quote_and_newline() {
        Metrics m = new Metrics();
        String hostile = "r\\1\"2\n3";
        m.allowRoute(hostile);
        m.request(hostile, 200, 0.01);
        String text = m.render(List.of());
        assertTrue(text.contains("detour_requests_total{route=\"r\\\\1\\\"2\\n3\",status=\"200\"} 1"), text);
        assertParseable(text);
    }

    @Test
    void observations_for_names_never_allowed_create_no_series() {
        Metrics m = new Metrics();
        m.request("client-made", 200, 0.01);
        m.ttft("client/made", 0.1);
        m.tokens("client/made", 3, 4);
        String text = m.render(List.of());
        assertFalse(text.contains("made"), text);
    }

    @Test
    void a_forgotten_name_loses_its_series_and_gets_no_new_ones() {
        Metrics m = new Metrics();
        m.allowRoute("p/x");
        m.allowTarget("p/x");
        m.request("p/x", 200, 0.01);
        m.ttft("p/x", 0.1);
        m.tokens("p/x", 3, 4);
        assertTrue(m.render(List.of()).contains("p/x"));
        m.forgetRoute("p/x");
        m.forgetTarget("p/x");
        m.request("p/x", 502, 0.01);
        m.tokens("p/x", 1, 1);
        assertFalse(m.render(List.of()).contains("p/x"));
    }

    @Test
    void resumes_count_by_route_and_the_target_that_continued() {
        Metrics m = new Metrics();
        m.allowRoute("chat");
        m.allowTarget("b/m");
        m.resumed("chat", "b/m");
        m.resumed("chat", "b/m");
        m.resumed("chat", "never/allowed");
        String text = m.render(List.of());
        assertTrue(text.contains("detour_stream_resumes_total{route=\"chat\",to=\"b/m\"} 2"), text);
        assertFalse(text.contains("never/allowed"), text);
        assertParseable(text);
        m.forgetTarget("b/m");
        assertFalse(m.render(List.of()).contains("to=\"b/m\""));
    }

    @Test
    void allowed_names_count_as_before() {
        Metrics m = new Metrics();
        m.allowRoute("support");
        m.request("support", 200, 0.01);
        m.request("support", 200, 0.02);
        String text = m.render(List.of());
        assertTrue(text.contains("detour_requests_total{route=\"support\",status=\"200\"} 2"), text);
        assertTrue(text.contains("gen_ai_client_operation_duration_seconds_count{route=\"support\"} 2"), text);
        assertEquals(text.indexOf("# TYPE detour_requests_total counter"), text.lastIndexOf("# TYPE detour_requests_total counter"));
        assertParseable(text);
    }

    @Test
    void answers_served_count_by_route_target_and_first_choice() {
        dev.detour.core.health.ManualClock clock = new dev.detour.core.health.ManualClock();
        dev.detour.core.config.GatewayConfig.Breaker b = dev.detour.core.config.GatewayConfig.Breaker.DEFAULTS;
        dev.detour.core.health.TargetRuntime a = dev.detour.core.health.Targets.target("a", "m", clock, b,
                dev.detour.core.health.Targets.DEGRADATION, dev.detour.core.health.HealthEvents.NONE);
        dev.detour.core.health.TargetRuntime c = dev.detour.core.health.Targets.target("c", "m", clock, b,
                dev.detour.core.health.Targets.DEGRADATION, dev.detour.core.health.HealthEvents.NONE);
        dev.detour.core.failover.RouteRuntime r = new dev.detour.core.failover.RouteRuntime("chat", "priority",
                (req, t) -> t, List.of(a, c), dev.detour.core.config.GatewayConfig.Policy.DEFAULTS, java.util.Map.of(),
                List.of(), java.util.Set.of(), dev.detour.core.health.Targets.DEGRADATION,
                dev.detour.core.config.GatewayConfig.StreamPolicy.DEFAULTS, false);
        Metrics m = new Metrics();
        m.allowRoute("chat");
        m.allowTarget("a/m");
        m.allowTarget("c/m");
        m.served(r, a, true);
        m.served(r, a, true);
        m.served(r, c, false);
        String text = m.render(List.of());
        assertTrue(text.contains("detour_served_total{route=\"chat\",target=\"a/m\",first_choice=\"true\"} 2"), text);
        assertTrue(text.contains("detour_served_total{route=\"chat\",target=\"c/m\",first_choice=\"false\"} 1"), text);
        assertParseable(text);
        m.forgetTarget("c/m");
        assertFalse(m.render(List.of()).contains("target=\"c/m\""));
    }
}
