package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Fastest first, by each target's smoothed p50 latency ({@code TargetHealth.latencyP50Ms}) or time
 * to first token ({@code ttftP50Ms}).
 *
 * <p>Among usable targets ({@link Tiers}) with a known measurement, those within {@code tie_band}
 * of the fastest form the band: they lead in a random order, so they share the traffic evenly.
 * The other usable targets follow, known ones fastest first, then those never measured (0) in
 * config order. With probability {@code explore_share} one of those others leads instead (a
 * never-measured one if any, else a random slower one), so their measurements stay fresh and a
 * recovered target can win its place back. When no usable target is measured yet, config order is
 * kept. Unhealthy and then non-callable targets come last, fastest first, unknown last.
 *
 * <p>Pure function of the request, the candidates' views and the random source; no I/O.
 */
final class LatencyStrategy implements RoutingStrategy {

    private final LatencyOptions options;
    private final RandomGenerator random;

    LatencyStrategy(LatencyOptions options, RandomGenerator random) {
        this.options = options == null ? LatencyOptions.defaults() : options;
        this.random = random;
    }

    /** The measurement used for this request, in ms; 0 or less means unknown. */
    double metric(RequestContext request, TargetView t) {
        double v = switch (options.metric()) {
            case "ttft" -> t.health().ttftP50Ms();
            case "auto" -> request != null && request.stream() ? t.health().ttftP50Ms() : t.health().latencyP50Ms();
            default -> t.health().latencyP50Ms();
        };
        return Double.isFinite(v) && v > 0 ? v : 0;
    }

    @Override
    public List<TargetView> plan(RequestContext request, List<TargetView> candidates) {
        List<List<TargetView>> tiers = Tiers.split(candidates);
        Comparator<TargetView> fastestFirst = Comparator.comparingDouble(t -> {
            double v = metric(request, t);
            return v > 0 ? v : Double.MAX_VALUE;
        });
        List<TargetView> plan = new ArrayList<>(candidates.size());
        plan.addAll(usable(request, tiers.get(Tiers.USABLE), fastestFirst));
        for (int tier = Tiers.UNHEALTHY; tier <= Tiers.BLOCKED; tier++) {
            List<TargetView> rest = new ArrayList<>(tiers.get(tier));
            rest.sort(fastestFirst);
            plan.addAll(rest);
        }
        return plan;
    }

    private List<TargetView> usable(RequestContext request, List<TargetView> usable, Comparator<TargetView> fastestFirst) {
        List<TargetView> known = new ArrayList<>();
        List<TargetView> unknown = new ArrayList<>();
        for (TargetView t : usable) {
            (metric(request, t) > 0 ? known : unknown).add(t);
        }
        if (known.isEmpty()) {
            return usable;
        }
        known.sort(fastestFirst);
        double limit = metric(request, known.get(0)) * (1 + options.tieBand());
        List<TargetView> band = new ArrayList<>();
        List<TargetView> others = new ArrayList<>();
        for (TargetView t : known) {
            (metric(request, t) <= limit ? band : others).add(t);
        }
        shuffle(band);
        others.addAll(unknown);
        List<TargetView> plan = new ArrayList<>(usable.size());
        if (!others.isEmpty() && options.exploreShare() > 0 && random.nextDouble() < options.exploreShare()) {
            int pick = unknown.isEmpty()
                    ? random.nextInt(others.size() - unknown.size())
                    : others.size() - unknown.size() + random.nextInt(unknown.size());
            plan.add(others.remove(pick));
        }
        plan.addAll(band);
        plan.addAll(others);
        return plan;
    }

    private void shuffle(List<TargetView> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            TargetView tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }
}
