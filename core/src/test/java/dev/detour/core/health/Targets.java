package dev.detour.core.health;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.detour.api.provider.Capabilities;
import dev.detour.core.config.GatewayConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds target runtimes for unit tests. */
public final class Targets {
    private Targets() {
    }

    public static TargetRuntime target(String provider, String model, ManualClock clock, GatewayConfig.Breaker breaker,
                                       GatewayConfig.Degradation degradation, HealthEvents events) {
        GatewayConfig.Provider p = new GatewayConfig.Provider(provider, "openai", null, null, "us-east-1", "closed",
                Map.of(), GatewayConfig.Timeouts.NONE, 0, JsonNodeFactory.instance.objectNode(),
                Map.of("region", "us-east-1"));
        GatewayConfig.Target t = new GatewayConfig.Target(provider, model, 1, -1, -1, null, null, null);
        return new TargetRuntime(p, t, new CircuitBreaker(breaker, clock), Capabilities.ALL, clock, degradation, events);
    }

    /** Records state changes. */
    public static final class Recorder implements HealthEvents {
        public final List<String> changes = new ArrayList<>();

        @Override
        public void stateChanged(TargetRuntime target, dev.detour.api.view.HealthState from,
                                 dev.detour.api.view.HealthState to, double score, List<dev.detour.api.detector.Signal> s) {
            changes.add(from.wire() + "->" + to.wire());
        }
    }

    public static final GatewayConfig.Degradation DEGRADATION = new GatewayConfig.Degradation(true, 0.05,
            Duration.ofSeconds(5), Duration.ofSeconds(10));
}
