package dev.detour.plugin.anthropic;

import dev.detour.api.ProviderException;
import dev.detour.api.provider.Call;
import dev.detour.api.view.TargetView;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * A {@link Call} a test cancels by hand with {@link #cancel(ProviderException)}, as core does when
 * one of its deadlines fires. Use it on the event loop only.
 */
final class TestCall implements Call {
    private final TargetView target;
    private final Duration connectTimeout;
    private Consumer<ProviderException> onCancel;
    private ProviderException cancelledWith;

    TestCall(String model, Duration connectTimeout) {
        this.target = new TestTargetView(model);
        this.connectTimeout = connectTimeout;
    }

    TestCall(String model) {
        this(model, Duration.ofSeconds(5));
    }

    /** Abandons the call, running the adapter's cancel handler. */
    void cancel(ProviderException cause) {
        if (cancelledWith != null) {
            return;
        }
        cancelledWith = cause;
        if (onCancel != null) {
            onCancel.accept(cause);
        }
    }

    @Override public TargetView target() { return target; }
    @Override public String requestId() { return "req-test"; }
    @Override public Duration connectTimeout() { return connectTimeout; }
    @Override public Duration idleTimeout() { return Duration.ofSeconds(30); }

    @Override
    public void onCancel(Consumer<ProviderException> handler) {
        if (onCancel != null) {
            throw new IllegalStateException("adapter registered two cancel handlers on one call");
        }
        onCancel = handler;
        if (cancelledWith != null) {
            handler.accept(cancelledWith);
        }
    }

    @Override public boolean cancelled() { return cancelledWith != null; }
}
