package dev.detour.plugin.azure;

import dev.detour.api.ProviderException;
import dev.detour.api.provider.Call;
import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/** A {@link Call} the test cancels by hand, as core would on a timeout. */
final class TestCall implements Call {

    private final TargetView target = new Target("azure/gpt-4o");
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private Consumer<ProviderException> handler;
    private ProviderException cancelledWith;
    int cancelHandlers;

    TestCall() {
        this(Duration.ofSeconds(5));
    }

    TestCall(Duration connectTimeout) {
        this(connectTimeout, Duration.ofSeconds(30));
    }

    TestCall(Duration connectTimeout, Duration idleTimeout) {
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
    }

    /** A call whose idle timeout cannot close the connection before the test gives up waiting. */
    static TestCall withoutIdleTimeout() {
        return new TestCall(Duration.ofSeconds(5), Duration.ofMinutes(10));
    }

    @Override public TargetView target() { return target; }
    @Override public String requestId() { return "req-test-1"; }
    @Override public Duration connectTimeout() { return connectTimeout; }
    @Override public Duration idleTimeout() { return idleTimeout; }

    @Override
    public synchronized void onCancel(Consumer<ProviderException> h) {
        cancelHandlers++;
        if (cancelledWith != null) {
            h.accept(cancelledWith);
        } else {
            handler = h;
        }
    }

    /** Abandons the call, running the registered handler (call it on the event loop). */
    synchronized void cancel(ProviderException why) {
        cancelledWith = why;
        if (handler != null) {
            Consumer<ProviderException> h = handler;
            handler = null;
            h.accept(why);
        }
    }

    @Override
    public synchronized boolean cancelled() {
        return cancelledWith != null;
    }

    /** A fixed, healthy target. */
    record Target(String id) implements TargetView, TargetHealth {
        @Override public String provider() { return "test"; }
        @Override public String providerType() { return "azure-openai"; }
        @Override public String model() { return "gpt-4o"; }
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
}
