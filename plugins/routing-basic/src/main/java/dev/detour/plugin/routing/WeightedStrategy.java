package dev.detour.plugin.routing;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Weighted random choice of the primary, then deterministic fallbacks.
 *
 * <p>The plan is: one target drawn among the <em>callable</em> candidates
 * ({@code health().callable()}) with a positive weight, with probability {@code weight / sum};
 * then the other callable candidates by weight, descending; then the non-callable candidates by
 * weight, descending. Ties keep config order. A weight of 0 (or a negative or non-finite one,
 * treated as 0) makes a target a fallback only: it is first only when no callable target has a
 * positive weight. Non-callable targets stay in the plan because their breaker may close before
 * the engine reaches them; core skips them while open.
 *
 * <p>Runs on the event loop; it uses the {@link RandomGenerator} core handed over so seeded runs
 * are reproducible. Not thread-safe if that generator is not; core calls it from one event loop.
 */
final class WeightedStrategy implements RoutingStrategy {

    // Stable sort: equal weights keep their config order.
    private static final Comparator<TargetView> HEAVIEST_FIRST =
            Comparator.comparingDouble((TargetView t) -> weightOf(t)).reversed();

    private final RandomGenerator random;

    WeightedStrategy(RandomGenerator random) {
        if (random == null) {
            throw new IllegalArgumentException("random must not be null");
        }
        this.random = random;
    }

    @Override
    public List<TargetView> plan(RequestContext request, List<TargetView> candidates) {
        int n = candidates.size();
        if (n <= 1) {
            return List.copyOf(candidates);
        }
        List<TargetView> callable = new ArrayList<>(n);
        List<TargetView> blocked = new ArrayList<>(n);
        double total = 0;
        for (TargetView t : candidates) {
            if (t.health().callable()) {
                callable.add(t);
                total += weightOf(t);
            } else {
                blocked.add(t);
            }
        }
        List<TargetView> plan = new ArrayList<>(n);
        if (total > 0) {
            // By index, not equals(): two views may compare equal.
            plan.add(callable.remove(draw(callable, total)));
        }
        callable.sort(HEAVIEST_FIRST);
        blocked.sort(HEAVIEST_FIRST);
        plan.addAll(callable);
        plan.addAll(blocked);
        return plan;
    }

    /** The index of the drawn target; {@code total} is the sum of the positive weights. */
    private int draw(List<TargetView> callable, double total) {
        double r = random.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < callable.size(); i++) {
            double w = weightOf(callable.get(i));
            if (w <= 0) {
                continue;
            }
            last = i;
            r -= w;
            if (r < 0) {
                return i;
            }
        }
        // Rounding can leave r at a hair above 0 after the last positive weight.
        return last;
    }

    static double weightOf(TargetView t) {
        double w = t.weight();
        return Double.isFinite(w) && w > 0 ? w : 0;
    }
}
