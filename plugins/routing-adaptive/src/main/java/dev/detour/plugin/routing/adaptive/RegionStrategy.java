package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Region first: the request's {@code x-detour-region}, else the gateway's own region.
 *
 * <p>The anchor is the first callable target (config order) in that region, else the first
 * callable target, else the first target. Targets are then grouped, in this order:
 * <ol>
 *   <li>the anchor's model in the region,</li>
 *   <li>the anchor's model in other regions,</li>
 *   <li>other models of the anchor's provider family (its adapter type, e.g. {@code openai}) in
 *       the region, then in other regions,</li>
 *   <li>other providers' models in the region, then in other regions.</li>
 * </ol>
 * So the same model in another region is tried before another model, and another model of the
 * same provider before another provider. Config order is kept inside each group. The
 * {@link Tiers} come first: unhealthy targets follow all usable ones and non-callable targets
 * come last, each tier in the same group order. With no region known, the plan is config order
 * within the tiers. Regions compare case-insensitively.
 *
 * <p>The provider family is the adapter type because that is what the view exposes; an
 * OpenAI-compatible self-hosted endpoint ({@code type: openai}) therefore counts as the same
 * family as OpenAI itself.
 */
final class RegionStrategy implements RoutingStrategy {

    @Override
    public List<TargetView> plan(RequestContext request, List<TargetView> candidates) {
        String region = region(request);
        List<TargetView> plan = new ArrayList<>(candidates);
        if (region == null || candidates.isEmpty()) {
            plan.sort(Comparator.comparingInt(Tiers::of));
            return plan;
        }
        TargetView anchor = anchor(candidates, region);
        plan.sort(Comparator.comparingInt(Tiers::of).thenComparingInt(t -> group(t, anchor, region)));
        return plan;
    }

    /** The region to favour, lower-cased, or null when neither the request nor the gateway has one. */
    static String region(RequestContext request) {
        if (request == null) {
            return null;
        }
        String r = request.preferredRegion();
        if (r == null || r.isBlank()) {
            r = request.gatewayRegion();
        }
        return r == null || r.isBlank() ? null : r.trim().toLowerCase(Locale.ROOT);
    }

    private static boolean inRegion(TargetView t, String region) {
        return t.region() != null && t.region().trim().toLowerCase(Locale.ROOT).equals(region);
    }

    private static TargetView anchor(List<TargetView> candidates, String region) {
        for (TargetView t : candidates) {
            if (t.health().callable() && inRegion(t, region)) {
                return t;
            }
        }
        for (TargetView t : candidates) {
            if (t.health().callable()) {
                return t;
            }
        }
        return candidates.get(0);
    }

    /** 0..5, see the class documentation: model, then provider family, then region. */
    static int group(TargetView t, TargetView anchor, String region) {
        int g = t.model().equals(anchor.model()) ? 0
                : t.providerType().equals(anchor.providerType()) ? 2
                : 4;
        return g + (inRegion(t, region) ? 0 : 1);
    }
}
