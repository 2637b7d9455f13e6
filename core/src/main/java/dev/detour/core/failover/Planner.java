package dev.detour.core.failover;

import dev.detour.api.view.HealthState;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.envelope.EnvelopeGuard;
import dev.detour.core.health.TargetRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The "plan" step: the order in which a request tries a route's targets. The route's strategy
 * orders them, the envelope filter drops what lies outside, then the graduated shift moves traffic
 * away from targets in poor health.
 */
final class Planner {
    private static final Logger LOG = LoggerFactory.getLogger(Planner.class);
    /** The score below which a target is unhealthy ({@link TargetRuntime}'s floor): a degraded target never falls under it. */
    static final double UNHEALTHY_BELOW = 0.3;
    /**
     * The width of the degraded band, from {@link #UNHEALTHY_BELOW} up to the score at which a
     * target becomes degraded (0.8): a degraded target keeps its place with a probability rising
     * linearly across it, from 0 at the unhealthy floor to 1 at the top.
     */
    static final double DEGRADED_BAND = 0.5;

    private final EnvelopeGuard envelope;
    private final RandomGenerator random;

    Planner(EnvelopeGuard envelope, RandomGenerator random) {
        this.envelope = envelope;
        this.random = random;
    }

    /** The plan the route would make now: strategy order, then the envelope filter. */
    List<TargetRuntime> plan(RouteRuntime route, RequestContext ctx) {
        List<TargetView> ordered;
        try {
            ordered = route.strategy().plan(ctx, route.targets());
        } catch (RuntimeException e) {
            LOG.warn("strategy '{}' of route '{}' failed; using config order", route.strategyType(), route.name(), e);
            ordered = route.targets();
        }
        List<TargetRuntime> own = route.runtimes();
        List<TargetRuntime> plan = new ArrayList<>(ordered.size());
        for (TargetView v : ordered) {
            // Only the route's own runtimes may be planned, once each: a strategy cannot invent a
            // target. Routes are short, so identity scans beat building a map per request.
            if (v instanceof TargetRuntime t && containsIdentity(own, t) && !containsIdentity(plan, t)
                    && envelope.outside(t) == null) {
                plan.add(t);
            }
        }
        return plan;
    }

    /**
     * Why {@link #plan} came out empty, for the error a client gets: what the strategy returned and,
     * when it returned the route's targets, what the envelope said of them. Runs the strategy once
     * more, on this failure path only.
     */
    String whyEmpty(RouteRuntime route, RequestContext ctx) {
        List<TargetView> ordered;
        String strategy = "strategy '" + route.strategyType() + "'";
        try {
            ordered = route.strategy().plan(ctx, route.targets());
        } catch (RuntimeException e) {
            ordered = route.targets();
        }
        if (ordered == null || ordered.isEmpty()) {
            return strategy + " returned no target";
        }
        int own = 0;
        String outside = null;
        for (TargetView v : ordered) {
            if (v instanceof TargetRuntime t && containsIdentity(route.runtimes(), t)) {
                own++;
                String why = envelope.outside(t);
                if (why != null && outside == null) {
                    outside = t.id() + ": " + why;
                }
            }
        }
        if (own == 0) {
            return strategy + " returned " + ordered.size() + " target" + (ordered.size() == 1 ? "" : "s")
                    + ", none of them this route's";
        }
        return strategy + " returned " + own + " of the route's targets, all outside the envelope ("
                + (outside == null ? "none callable" : outside) + ")";
    }

    private static boolean containsIdentity(List<TargetRuntime> list, TargetRuntime t) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * The graduated shift, shared by every strategy: a healthy target keeps its place; a degraded
     * one keeps it with a probability that falls with its score; an unhealthy one is demoted.
     * Demoted targets move to the end of the plan, in order, so they remain fallbacks and nothing
     * is dropped. Then one probe: the first callable target that is not healthy and is due (by
     * {@code probe_share}, or because {@code probe_interval} passed since its last probe) moves to
     * the front, wherever the strategy had put it, so its recovery is seen even when a strategy
     * ranks unhealthy targets last.
     */
    List<TargetRuntime> shift(RouteRuntime route, List<TargetRuntime> plan) {
        GatewayConfig.Degradation d = route.degradation();
        if (!d.gradual() || plan.size() < 2) {
            return plan;
        }
        List<TargetRuntime> kept = null;
        List<TargetRuntime> demoted = null;
        for (int i = 0; i < plan.size(); i++) {
            TargetRuntime t = plan.get(i);
            t.refresh();
            boolean keep = switch (t.state()) {
                case HEALTHY -> true;
                case DEGRADED -> random.nextDouble() < Math.min(1, (t.score() - UNHEALTHY_BELOW) / DEGRADED_BAND);
                case UNHEALTHY -> false;
            };
            if (!keep && demoted == null) {
                demoted = new ArrayList<>(2);
                kept = new ArrayList<>(plan.subList(0, i));
            }
            if (demoted != null) {
                (keep ? kept : demoted).add(t);
            }
        }
        List<TargetRuntime> out = plan;
        if (demoted != null) {
            kept.addAll(demoted);
            out = kept;
        }
        long interval = d.probeInterval().toNanos();
        for (int i = 1; i < out.size(); i++) {
            TargetRuntime t = out.get(i);
            if (t.state() != HealthState.HEALTHY && t.callable()
                    && t.takeProbe(d.probeShare(), interval, random)) {
                if (out == plan) {
                    out = new ArrayList<>(plan);
                }
                out.remove(i);
                out.add(0, t);
                break;
            }
        }
        return out;
    }
}
