package dev.detour.plugin.routing.adaptive;

import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.Map;

/** An immutable target view for strategy tests, built with withers from {@link #of}. */
record FakeTarget(String provider, String providerType, String model, String region, double inputPrice,
                  double outputPrice, HealthState state, double score, boolean callable, double latencyP50Ms,
                  double ttftP50Ms, int inFlight, int concurrencyLimit) implements TargetView, TargetHealth {

    /** A healthy, callable, unmeasured, unpriced target {@code provider/model} of type openai, no region. */
    static FakeTarget of(String provider, String model) {
        return new FakeTarget(provider, "openai", model, "", -1, -1, HealthState.HEALTHY, 1, true, 0, 0, 0, 0);
    }

    FakeTarget type(String t) {
        return new FakeTarget(provider, t, model, region, inputPrice, outputPrice, state, score, callable,
                latencyP50Ms, ttftP50Ms, inFlight, concurrencyLimit);
    }

    FakeTarget in(String r) {
        return new FakeTarget(provider, providerType, model, r, inputPrice, outputPrice, state, score, callable,
                latencyP50Ms, ttftP50Ms, inFlight, concurrencyLimit);
    }

    FakeTarget price(double in, double out) {
        return new FakeTarget(provider, providerType, model, region, in, out, state, score, callable,
                latencyP50Ms, ttftP50Ms, inFlight, concurrencyLimit);
    }

    FakeTarget health(HealthState s, double sc) {
        return new FakeTarget(provider, providerType, model, region, inputPrice, outputPrice, s, sc, callable,
                latencyP50Ms, ttftP50Ms, inFlight, concurrencyLimit);
    }

    FakeTarget open() {
        return new FakeTarget(provider, providerType, model, region, inputPrice, outputPrice, HealthState.UNHEALTHY,
                0, false, latencyP50Ms, ttftP50Ms, inFlight, concurrencyLimit);
    }

    FakeTarget latency(double p50, double ttft) {
        return new FakeTarget(provider, providerType, model, region, inputPrice, outputPrice, state, score, callable,
                p50, ttft, inFlight, concurrencyLimit);
    }

    FakeTarget busy(int inFlight, int limit) {
        return new FakeTarget(provider, providerType, model, region, inputPrice, outputPrice, state, score,
                callable && (limit == 0 || inFlight < limit), latencyP50Ms, ttftP50Ms, inFlight, limit);
    }

    @Override public String id() { return provider + "/" + model; }
    @Override public String category() { return ""; }
    @Override public double weight() { return 1; }
    @Override public double inputPricePerMTok() { return inputPrice; }
    @Override public double outputPricePerMTok() { return outputPrice; }
    @Override public Map<String, String> labels() { return Map.of("region", region); }
    @Override public TargetHealth health() { return this; }
    @Override public CircuitState circuit() { return callable ? CircuitState.CLOSED : CircuitState.OPEN; }
    @Override public double latencyP95Ms() { return latencyP50Ms * 2; }
    @Override public double errorRate() { return 0; }
}
