package dev.detour.api.testing;

import dev.detour.api.ProviderException;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.WireBody;
import dev.detour.api.view.TargetView;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link Call} for adapter tests that the test cancels by hand with
 * {@link #cancel(ProviderException)}, as core does when one of its deadlines fires. Handlers
 * registered after the cancellation run at once, as {@link Call#onCancel} requires. Test-support
 * code (plugin-api's test-jar); never part of a plugin jar. Cancel on the event loop the adapter
 * uses, as core does.
 */
public final class FakeCall implements Call {

    /** The connect timeout unless a test sets one. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The idle timeout unless a test sets one. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final TargetView target;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final List<Consumer<ProviderException>> handlers = new ArrayList<>();
    private String requestId = "req-test-1";
    private ProviderException cancelledWith;
    private int registrations;
    private WireBody inbound;
    private WireBody answer;

    /** A call to {@code test/gpt-4o-mini} with the default timeouts. */
    public FakeCall() {
        this(FakeTarget.of("test/gpt-4o-mini").providerType("openai"));
    }

    /** A call to {@code target} with the default timeouts. */
    public FakeCall(TargetView target) {
        this(target, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT);
    }

    /** A call to {@code test/gpt-4o-mini} with these timeouts. */
    public FakeCall(Duration connectTimeout, Duration idleTimeout) {
        this(FakeTarget.of("test/gpt-4o-mini").providerType("openai"), connectTimeout, idleTimeout);
    }

    /** A call to {@code target} with these timeouts. */
    public FakeCall(TargetView target, Duration connectTimeout, Duration idleTimeout) {
        this.target = target;
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
    }

    /** A call whose idle timeout cannot close the connection before the test gives up waiting. */
    public static FakeCall withoutIdleTimeout() {
        return new FakeCall(DEFAULT_CONNECT_TIMEOUT, Duration.ofMinutes(10));
    }

    /** Sets the request id. */
    public FakeCall requestId(String id) {
        this.requestId = id;
        return this;
    }

    /** Sets the client's body that {@link #inbound()} hands the adapter (null by default). */
    public FakeCall inbound(WireBody body) {
        this.inbound = body;
        return this;
    }

    @Override
    public WireBody inbound() {
        return inbound;
    }

    @Override
    public synchronized void answerWire(WireBody body) {
        this.answer = body;
    }

    /** What the adapter handed back with {@link #answerWire}, or null. */
    public synchronized WireBody answerWire() {
        return answer;
    }

    @Override public TargetView target() { return target; }
    @Override public String requestId() { return requestId; }
    @Override public Duration connectTimeout() { return connectTimeout; }
    @Override public Duration idleTimeout() { return idleTimeout; }

    @Override
    public synchronized void onCancel(Consumer<ProviderException> handler) {
        registrations++;
        if (cancelledWith != null) {
            handler.accept(cancelledWith);
        } else {
            handlers.add(handler);
        }
    }

    @Override
    public synchronized boolean cancelled() {
        return cancelledWith != null;
    }

    /** Abandons the call: runs every registered handler once; later calls do nothing. */
    public synchronized void cancel(ProviderException why) {
        if (cancelledWith != null) {
            return;
        }
        cancelledWith = why;
        List<Consumer<ProviderException>> run = new ArrayList<>(handlers);
        handlers.clear();
        run.forEach(h -> h.accept(why));
    }

    /** How many times the adapter called {@link #onCancel} (an adapter registers one per HTTP request). */
    public synchronized int cancelHandlers() {
        return registrations;
    }
}
