package dev.detour.plugin.routing;

import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.Map;

/** A fixed target view for strategy tests. */
record TestTarget(String id, double weight, boolean callable) implements TargetView, TargetHealth {

    static TestTarget of(String id, double weight) {
        return new TestTarget(id, weight, true);
    }

    static TestTarget open(String id, double weight) {
        return new TestTarget(id, weight, false);
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

    @Override public HealthState state() { return callable ? HealthState.HEALTHY : HealthState.UNHEALTHY; }
    @Override public double score() { return callable ? 1 : 0; }
    @Override public CircuitState circuit() { return callable ? CircuitState.CLOSED : CircuitState.OPEN; }
    @Override public double latencyP50Ms() { return 0; }
    @Override public double latencyP95Ms() { return 0; }
    @Override public double ttftP50Ms() { return 0; }
    @Override public double errorRate() { return 0; }
    @Override public int inFlight() { return 0; }
    @Override public int concurrencyLimit() { return 0; }
}
