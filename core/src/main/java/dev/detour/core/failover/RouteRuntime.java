package dev.detour.core.failover;

import dev.detour.api.detector.QualityDetector;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.RouteView;
import dev.detour.api.view.TargetView;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;

import java.util.List;
import java.util.Map;

/**
 * A route ready to serve: its strategy instance, its targets (shared runtimes, config order), its
 * policy, per-target overrides, its detectors, its hedging and the request headers its plugins may
 * read. A direct {@code provider/model} call uses a
 * one-target route with no fallback.
 */
public record RouteRuntime(String name, String strategyType, RoutingStrategy strategy, List<TargetRuntime> runtimes,
                           GatewayConfig.Policy policy, Map<String, GatewayConfig.Target> targetConfigs,
                           List<QualityDetector> detectors, java.util.Set<String> qualityGate,
                           GatewayConfig.Degradation degradation, GatewayConfig.StreamPolicy stream,
                           boolean direct, Hedging hedging, List<String> requestHeaders) implements RouteView {

    /**
     * @param hedging the route's {@code hedge:} with its share window, or null when it does not hedge
     *                (its probes of a demoted target are hedged all the same)
     * @param requestHeaders the request headers (lower case) its strategy and guardrails may read
     */
    public RouteRuntime {
        runtimes = List.copyOf(runtimes);
        requestHeaders = requestHeaders == null ? List.of() : List.copyOf(requestHeaders);
    }

    /** A route that does not hedge and whose plugins see no request headers (direct calls, tests). */
    public RouteRuntime(String name, String strategyType, RoutingStrategy strategy, List<TargetRuntime> runtimes,
                        GatewayConfig.Policy policy, Map<String, GatewayConfig.Target> targetConfigs,
                        List<QualityDetector> detectors, java.util.Set<String> qualityGate,
                        GatewayConfig.Degradation degradation, GatewayConfig.StreamPolicy stream, boolean direct) {
        this(name, strategyType, strategy, runtimes, policy, targetConfigs, detectors, qualityGate, degradation, stream,
                direct, null, List.of());
    }

    /** A route whose plugins see no request headers. */
    public RouteRuntime(String name, String strategyType, RoutingStrategy strategy, List<TargetRuntime> runtimes,
                        GatewayConfig.Policy policy, Map<String, GatewayConfig.Target> targetConfigs,
                        List<QualityDetector> detectors, java.util.Set<String> qualityGate,
                        GatewayConfig.Degradation degradation, GatewayConfig.StreamPolicy stream, boolean direct,
                        Hedging hedging) {
        this(name, strategyType, strategy, runtimes, policy, targetConfigs, detectors, qualityGate, degradation, stream,
                direct, hedging, List.of());
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<TargetView> targets() {
        return (List<TargetView>) (List<?>) runtimes;
    }
}
