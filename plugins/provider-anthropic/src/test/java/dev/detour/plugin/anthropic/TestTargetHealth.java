package dev.detour.plugin.anthropic;

import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;

/** A healthy target with no history, for tests. */
final class TestTargetHealth implements TargetHealth {
    @Override public HealthState state() { return HealthState.HEALTHY; }
    @Override public double score() { return 1.0; }
    @Override public CircuitState circuit() { return CircuitState.CLOSED; }
    @Override public boolean callable() { return true; }
    @Override public double latencyP50Ms() { return 0; }
    @Override public double latencyP95Ms() { return 0; }
    @Override public double ttftP50Ms() { return 0; }
    @Override public double errorRate() { return 0; }
    @Override public int inFlight() { return 0; }
    @Override public int concurrencyLimit() { return 0; }
}
