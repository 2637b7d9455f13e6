package dev.detour.plugin.routing.adaptive;

import dev.detour.api.Clock;
import dev.detour.api.routing.StrategyContext;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared helpers for strategy tests. */
final class Plans {

    static final RequestContext REQUEST = request(null, null, false);

    private Plans() {
    }

    static RequestContext request(String preferredRegion, String gatewayRegion, boolean stream) {
        return new RequestContext("req-1", "support", preferredRegion, gatewayRegion, null, null, null, stream,
                "openai");
    }

    static StrategyContext context(long seed) {
        return new StrategyContext("support", Clock.SYSTEM, new SplittableRandom(seed));
    }

    static List<String> ids(List<TargetView> plan) {
        return plan.stream().map(TargetView::id).toList();
    }

    /** A plan must hold every candidate exactly once: strategies never drop or invent targets. */
    static void assertPermutation(List<? extends TargetView> candidates, List<TargetView> plan) {
        assertEquals(candidates.size(), plan.size(), "plan " + ids(plan));
        assertEquals(candidates.stream().map(TargetView::id).sorted().toList(), ids(plan).stream().sorted().toList());
    }
}
