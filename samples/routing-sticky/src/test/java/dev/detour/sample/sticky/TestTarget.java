package dev.detour.sample.sticky;

import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.Map;

/**
 * A fixed target for strategy tests: its own {@link TargetHealth}, healthy and callable unless
 * made otherwise with {@link #down()} or {@link #degraded()}.
 */
record TestTarget(String id, double weight, HealthState state, boolean callable)
        implements TargetView, TargetHealth {

    static TestTarget of(String id) {
        return of(id, 1);
    }

    static TestTarget of(String id, double weight) {
        return new TestTarget(id, weight, HealthState.HEALTHY, true);
    }

    /** The same target with its breaker open. */
    TestTarget down() {
        return new TestTarget(id, weight, HealthState.UNHEALTHY, false);
    }

    /** The same target, still callable but degraded. */
    TestTarget degraded() {
        return new TestTarget(id, weight, HealthState.DEGRADED, true);
    }

    @Override public String provider() { return id.substring(0, id.indexOf('/')); }
    @Override public String providerType() { return "openai"; }
    @Override public String model() { return id.substring(id.indexOf('/') + 1); }
    @Override public String region() { return ""; }
    @Override public String category() { return ""; }
    @Override public double inputPricePerMTok() { return -1; }
    @Override public double outputPricePerMTok() { return -1; }
    @Override public Map<String, String> labels() { return Map.of(); }
    @Override public TargetHealth health() { return this; }

    @Override public double score() { return state == HealthState.HEALTHY ? 1 : 0.5; }
    @Override public CircuitState circuit() { return callable ? CircuitState.CLOSED : CircuitState.OPEN; }
    @Override public double latencyP50Ms() { return 0; }
    @Override public double latencyP95Ms() { return 0; }
    @Override public double ttftP50Ms() { return 0; }
    @Override public double errorRate() { return 0; }
    @Override public int inFlight() { return 0; }
    @Override public int concurrencyLimit() { return 0; }
}
