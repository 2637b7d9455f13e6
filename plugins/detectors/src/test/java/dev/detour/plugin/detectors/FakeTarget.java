package dev.detour.plugin.detectors;

import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.Map;

/** A fixed target view for detector tests; detectors only read its id. */
record FakeTarget(String id) implements TargetView, TargetHealth {

    @Override public String provider() { return id.substring(0, id.indexOf('/')); }
    @Override public String providerType() { return "openai"; }
    @Override public String model() { return id.substring(id.indexOf('/') + 1); }
    @Override public String region() { return ""; }
    @Override public String category() { return ""; }
    @Override public double weight() { return 1; }
    @Override public double inputPricePerMTok() { return -1; }
    @Override public double outputPricePerMTok() { return -1; }
    @Override public Map<String, String> labels() { return Map.of(); }
    @Override public TargetHealth health() { return this; }
    @Override public HealthState state() { return HealthState.HEALTHY; }
    @Override public double score() { return 1; }
    @Override public CircuitState circuit() { return CircuitState.CLOSED; }
    @Override public boolean callable() { return true; }
    @Override public double latencyP50Ms() { return 0; }
    @Override public double latencyP95Ms() { return 0; }
    @Override public double ttftP50Ms() { return 0; }
    @Override public double errorRate() { return 0; }
    @Override public int inFlight() { return 0; }
    @Override public int concurrencyLimit() { return 0; }
}
