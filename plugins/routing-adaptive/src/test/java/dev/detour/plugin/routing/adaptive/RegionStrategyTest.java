package dev.detour.plugin.routing.adaptive;

import dev.detour.api.NoOptions;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.detour.plugin.routing.adaptive.Plans.assertPermutation;
import static dev.detour.plugin.routing.adaptive.Plans.ids;
import static dev.detour.plugin.routing.adaptive.Plans.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RegionStrategyTest {

    private final RoutingStrategy strategy = new RegionStrategyFactory().create(new RegionOptions(), Plans.context(1));

    private static final List<TargetView> ROUTE = List.of(
            FakeTarget.of("openai-us", "gpt-4o").in("us-east-1"),
            FakeTarget.of("openai-eu", "gpt-4o").in("eu-west-1"),
            FakeTarget.of("openai-us", "gpt-4o-mini").in("us-east-1"),
            FakeTarget.of("gemini", "gemini-pro").type("gemini").in("us-central1"),
            FakeTarget.of("anthropic-us", "claude").type("anthropic").in("us-east-1"),
            FakeTarget.of("anthropic-eu", "claude").type("anthropic").in("eu-west-1"),
            FakeTarget.of("openai-eu", "gpt-4o-mini").in("eu-west-1"));

    private List<String> plan(String preferred, String gateway, List<TargetView> candidates) {
        List<TargetView> plan = strategy.plan(request(preferred, gateway, false), candidates);
        assertPermutation(candidates, plan);
        return ids(plan);
    }

    @Test
    void same_model_in_region_then_other_regions_then_other_models_then_other_providers() {
        assertEquals(List.of(
                "openai-eu/gpt-4o",          // same model, in region
                "openai-us/gpt-4o",          // same model, other region
                "openai-eu/gpt-4o-mini",     // other model of the same provider family, in region
                "openai-us/gpt-4o-mini",     // ... other region
                "anthropic-eu/claude",       // another provider, in region
                "gemini/gemini-pro",         // another provider, other regions, config order
                "anthropic-us/claude"),
                plan("eu-west-1", "us-east-1", ROUTE));
    }

    @Test
    void uses_the_gateway_region_when_the_request_names_none() {
        assertEquals(List.of("openai-us/gpt-4o", "openai-eu/gpt-4o", "openai-us/gpt-4o-mini", "openai-eu/gpt-4o-mini",
                "anthropic-us/claude", "gemini/gemini-pro", "anthropic-eu/claude"),
                plan(null, "US-East-1", ROUTE));
    }

    @Test
    void keeps_config_order_without_any_region() {
        assertEquals(ids(ROUTE), plan(null, null, ROUTE));
        assertEquals(ids(ROUTE), plan(" ", "", ROUTE));
    }

    @Test
    void anchors_on_the_first_target_in_region_even_if_it_is_another_model() {
        List<TargetView> route = List.of(FakeTarget.of("openai-us", "gpt-4o").in("us-east-1"),
                FakeTarget.of("anthropic-eu", "claude").type("anthropic").in("eu-west-1"),
                FakeTarget.of("anthropic-us", "claude").type("anthropic").in("us-east-1"));
        assertEquals(List.of("anthropic-eu/claude", "anthropic-us/claude", "openai-us/gpt-4o"),
                plan("eu-west-1", null, route));
    }

    @Test
    void an_open_or_unhealthy_target_in_region_falls_behind_usable_ones() {
        List<TargetView> route = List.of(FakeTarget.of("openai-us", "gpt-4o").in("us-east-1"),
                FakeTarget.of("openai-eu", "gpt-4o").in("eu-west-1").open(),
                FakeTarget.of("openai-eu2", "gpt-4o").in("eu-west-1").health(HealthState.UNHEALTHY, 0.1),
                FakeTarget.of("anthropic-eu", "claude").type("anthropic").in("eu-west-1"));
        // The open one cannot anchor: the unhealthy in-region gpt-4o does, so gpt-4o still comes first
        assertEquals(List.of("openai-us/gpt-4o", "anthropic-eu/claude", "openai-eu2/gpt-4o", "openai-eu/gpt-4o"),
                plan("eu-west-1", null, route));
    }

    @Test
    void declares_type_region() {
        assertEquals("region", new RegionStrategyFactory().type());
        assertEquals(RegionOptions.class, new RegionStrategyFactory().optionsType());
        assertEquals(false, NoOptions.class.equals(new RegionStrategyFactory().optionsType()));
    }
}
