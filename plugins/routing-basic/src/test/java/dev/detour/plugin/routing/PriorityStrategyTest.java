package dev.detour.plugin.routing;

import dev.detour.api.Clock;
import dev.detour.api.NoOptions;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.StrategyContext;
import dev.detour.api.testing.FakeTarget;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PriorityStrategyTest {

    private static final RequestContext REQUEST =
            new RequestContext("req-1", "support", null, null, null, null, null, false, "openai");

    @Test
    void plans_targets_in_config_order_regardless_of_weight_and_health() {
        // Given a route whose later targets are heavier and whose primary's breaker is open
        RoutingStrategy strategy = new PriorityStrategyFactory()
                .create(new NoOptions(), new StrategyContext("support", Clock.SYSTEM, new SplittableRandom(1)));
        List<TargetView> candidates = List.of(FakeTarget.of("a/m").weight(1).open(), FakeTarget.of("b/m").weight(5),
                FakeTarget.of("c/m").weight(10));

        // When planning
        List<TargetView> plan = strategy.plan(REQUEST, candidates);

        // Then the plan is config order (core skips the open breaker, not the strategy)
        assertEquals(List.of("a/m", "b/m", "c/m"), plan.stream().map(TargetView::id).toList());
    }

    @Test
    void declares_type_priority_without_options() {
        PriorityStrategyFactory f = new PriorityStrategyFactory();
        assertEquals("priority", f.type());
        assertEquals(NoOptions.class, f.optionsType());
    }
}
