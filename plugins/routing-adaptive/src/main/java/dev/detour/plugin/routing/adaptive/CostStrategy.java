package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cheapest first, by each target's {@code pricing} ({@link TargetView#inputPricePerMTok()},
 * {@link TargetView#outputPricePerMTok()}), estimated per request as
 * {@code input + output_ratio × output}.
 *
 * <p>The plan: callable targets that are not unhealthy and score at least {@code min_score},
 * cheapest first; then the other callable targets, cheapest first; then non-callable targets,
 * cheapest first. Within each group targets without a price (either price -1) come after the priced
 * ones, and equal prices keep config order. Deterministic: no randomness.
 */
final class CostStrategy implements RoutingStrategy {

    private final CostOptions options;
    private final Comparator<TargetView> cheapestFirst;

    CostStrategy(CostOptions options) {
        this.options = options == null ? CostOptions.defaults() : options;
        this.cheapestFirst = Comparator.comparingDouble(t -> {
            double c = cost(t);
            return c >= 0 ? c : Double.MAX_VALUE;
        });
    }

    /** The estimated cost per million input tokens, or -1 when the target is not priced. */
    double cost(TargetView t) {
        double in = t.inputPricePerMTok();
        double out = t.outputPricePerMTok();
        if (!(in >= 0) || !(out >= 0) || Double.isInfinite(in) || Double.isInfinite(out)) {
            return -1;
        }
        return in + options.outputRatio() * out;
    }

    @Override
    public List<TargetView> plan(RequestContext request, List<TargetView> candidates) {
        List<TargetView> chosen = new ArrayList<>();
        List<TargetView> weak = new ArrayList<>();
        List<TargetView> blocked = new ArrayList<>();
        for (TargetView t : candidates) {
            if (!t.health().callable()) {
                blocked.add(t);
            } else if (t.health().state() != HealthState.UNHEALTHY && t.health().score() >= options.minScore()) {
                chosen.add(t);
            } else {
                weak.add(t);
            }
        }
        List<TargetView> plan = new ArrayList<>(candidates.size());
        for (List<TargetView> group : List.of(chosen, weak, blocked)) {
            group.sort(cheapestFirst);
            plan.addAll(group);
        }
        return plan;
    }
}
