package dev.detour.plugin.gemini;

import dev.detour.api.ProviderException;
import dev.detour.api.provider.Call;
import dev.detour.api.view.TargetView;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A {@link Call} for tests: {@link #cancel} plays core abandoning the attempt. */
final class TestCall implements Call {
    private final TargetView target;
    private final Duration connectTimeout;
    private final List<Consumer<ProviderException>> handlers = new ArrayList<>();
    private ProviderException cancelledWith;

    TestCall(TargetView target, Duration connectTimeout) {
        this.target = target;
        this.connectTimeout = connectTimeout;
    }

    static TestCall of(String model) {
        return new TestCall(new TestTarget("gemini", model), Duration.ofSeconds(5));
    }

    @Override
    public TargetView target() {
        return target;
    }

    @Override
    public String requestId() {
        return "req-1";
    }

    @Override
    public Duration connectTimeout() {
        return connectTimeout;
    }

    @Override
    public Duration idleTimeout() {
        return Duration.ofSeconds(30);
    }

    @Override
    public void onCancel(Consumer<ProviderException> handler) {
        if (cancelledWith != null) {
            handler.accept(cancelledWith);
        } else {
            handlers.add(handler);
        }
    }

    @Override
    public boolean cancelled() {
        return cancelledWith != null;
    }

    /** Cancels the call, running the registered handlers once. */
    void cancel(ProviderException cause) {
        if (cancelledWith != null) {
            return;
        }
        cancelledWith = cause;
        handlers.forEach(h -> h.accept(cause));
        handlers.clear();
    }

    int cancelHandlers() {
        return handlers.size();
    }
}
