package dev.detour.core.telemetry;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** detour_cost_usd_total: summed per route, target and key name; bounded like every other series. */
class MetricsCostTest {
    @Test
    void cost_is_summed_per_route_target_and_key_and_dropped_for_names_not_allowed() {
        Metrics m = new Metrics();
        m.allowRoute("r");
        m.allowTarget("a/m");
        m.cost("r", "a/m", "team", 0.25);
        m.cost("r", "a/m", "team", 0.5);
        m.cost("r", "a/m", null, 0.125);
        m.cost("unknown", "a/m", "team", 1);
        m.cost("r", "evil/target", "team", 1);
        String text = m.render(List.of());
        assertTrue(text.contains("detour_cost_usd_total{route=\"r\",target=\"a/m\",key=\"team\"} 0.75\n"), text);
        assertTrue(text.contains("detour_cost_usd_total{route=\"r\",target=\"a/m\",key=\"\"} 0.125\n"), text);
        assertFalse(text.contains("unknown") || text.contains("evil"), text);

        m.forgetTarget("a/m");
        assertFalse(m.render(List.of()).contains("detour_cost_usd_total{"), "a forgotten target's series go with it");
    }
}
