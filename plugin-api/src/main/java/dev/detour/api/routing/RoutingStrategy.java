package dev.detour.api.routing;

import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.List;

/**
 * Orders a route's targets into a plan for one request.
 *
 * <p>Called on the event loop for every request: it must be fast and must not block. The plan is
 * the order in which the failover engine tries targets; a target left out is not tried. Core then
 * applies, for every strategy alike: the envelope filter (nothing outside it is ever called), the
 * graduated shift away from degraded targets, and the breakers (an open target is skipped).
 * Strategies therefore need not filter on health, but good ones use it to order.
 */
@FunctionalInterface
public interface RoutingStrategy {

    /**
     * @param request    what is known about the request
     * @param candidates the route's targets in config order, with live health views
     * @return the targets to try, best first
     */
    List<TargetView> plan(RequestContext request, List<TargetView> candidates);
}
