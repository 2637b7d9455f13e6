package dev.detour.api.testing;

import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.Map;

/**
 * A target for plugin tests: a {@link TargetView} that is its own {@link TargetHealth}, healthy,
 * closed and idle unless a test says otherwise through the fluent setters. Test-support code
 * (plugin-api's test-jar); never part of a plugin jar. Not thread-safe: configure it before use.
 *
 * <pre>{@code
 * FakeTarget t = FakeTarget.of("azure/gpt-4o").providerType("azure-openai").latencyP95Ms(800);
 * }</pre>
 */
public final class FakeTarget implements TargetView, TargetHealth {

    private String id;
    private String provider;
    private String providerType = "openai";
    private String model;
    private String region = "";
    private String category = "";
    private double weight = 1;
    private double inputPricePerMTok = -1;
    private double outputPricePerMTok = -1;
    private Map<String, String> labels = Map.of();
    private HealthState state = HealthState.HEALTHY;
    private double score = 1;
    private CircuitState circuit = CircuitState.CLOSED;
    private boolean callable = true;
    private double latencyP50Ms;
    private double latencyP95Ms;
    private double ttftP50Ms;
    private double errorRate;
    private int inFlight;
    private int concurrencyLimit;

    private FakeTarget(String provider, String model) {
        this.provider = provider;
        this.model = model;
        this.id = provider + "/" + model;
    }

    /**
     * The target {@code provider/model} with the provider type equal to the provider name.
     *
     * @param id {@code provider/model}; the model part may itself contain '/'
     */
    public static FakeTarget of(String id) {
        int slash = id.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("target id must be provider/model (was '" + id + "')");
        }
        FakeTarget t = new FakeTarget(id.substring(0, slash), id.substring(slash + 1));
        t.providerType = t.provider;
        return t;
    }

    /** The target {@code provider/model} with the provider type equal to the provider name. */
    public static FakeTarget of(String provider, String model) {
        return of(provider + "/" + model);
    }

    public FakeTarget id(String v) { id = v; return this; }
    public FakeTarget provider(String v) { provider = v; return this; }
    public FakeTarget providerType(String v) { providerType = v; return this; }
    public FakeTarget model(String v) { model = v; return this; }
    public FakeTarget region(String v) { region = v; return this; }
    public FakeTarget category(String v) { category = v; return this; }
    public FakeTarget weight(double v) { weight = v; return this; }
    public FakeTarget inputPricePerMTok(double v) { inputPricePerMTok = v; return this; }
    public FakeTarget outputPricePerMTok(double v) { outputPricePerMTok = v; return this; }
    public FakeTarget labels(Map<String, String> v) { labels = Map.copyOf(v); return this; }
    public FakeTarget state(HealthState v) { state = v; return this; }
    public FakeTarget score(double v) { score = v; return this; }
    public FakeTarget circuit(CircuitState v) { circuit = v; return this; }
    public FakeTarget callable(boolean v) { callable = v; return this; }
    public FakeTarget latencyP50Ms(double v) { latencyP50Ms = v; return this; }
    public FakeTarget latencyP95Ms(double v) { latencyP95Ms = v; return this; }
    public FakeTarget ttftP50Ms(double v) { ttftP50Ms = v; return this; }
    public FakeTarget errorRate(double v) { errorRate = v; return this; }
    public FakeTarget inFlight(int v) { inFlight = v; return this; }
    public FakeTarget concurrencyLimit(int v) { concurrencyLimit = v; return this; }

    /** An open circuit: not callable, {@code UNHEALTHY}, score 0. */
    public FakeTarget open() {
        return circuit(CircuitState.OPEN).callable(false).state(HealthState.UNHEALTHY).score(0);
    }

    @Override public String id() { return id; }
    @Override public String provider() { return provider; }
    @Override public String providerType() { return providerType; }
    @Override public String model() { return model; }
    @Override public String region() { return region; }
    @Override public String category() { return category; }
    @Override public double weight() { return weight; }
    @Override public double inputPricePerMTok() { return inputPricePerMTok; }
    @Override public double outputPricePerMTok() { return outputPricePerMTok; }
    @Override public Map<String, String> labels() { return labels; }
    @Override public TargetHealth health() { return this; }
    @Override public HealthState state() { return state; }
    @Override public double score() { return score; }
    @Override public CircuitState circuit() { return circuit; }
    @Override public boolean callable() { return callable; }
    @Override public double latencyP50Ms() { return latencyP50Ms; }
    @Override public double latencyP95Ms() { return latencyP95Ms; }
    @Override public double ttftP50Ms() { return ttftP50Ms; }
    @Override public double errorRate() { return errorRate; }
    @Override public int inFlight() { return inFlight; }
    @Override public int concurrencyLimit() { return concurrencyLimit; }

    @Override
    public String toString() {
        return "FakeTarget[" + id + "]";
    }
}
