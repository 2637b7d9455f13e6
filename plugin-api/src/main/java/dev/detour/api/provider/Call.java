package dev.detour.api.provider;

import dev.detour.api.ProviderException;
import dev.detour.api.view.TargetView;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * One upstream attempt, as the failover engine hands it to an adapter.
 *
 * <p>Core owns every timeout except the connect timeout: it enforces first-token, idle and total
 * deadlines itself and, when one fires (or the client goes away), <em>cancels</em> the call. The
 * adapter must register a cancel handler that aborts its HTTP request (e.g.
 * {@code HttpClientRequest.reset()}) so a timed-out connection is closed, not left hanging. After
 * cancellation the adapter's result is ignored.
 */
public interface Call {

    /** The target being called. */
    TargetView target();

    /** The request id, for upstream correlation headers if the provider supports them. */
    String requestId();

    /** The connect timeout to set on the HTTP request. */
    Duration connectTimeout();

    /**
     * The idle timeout between stream chunks. Core enforces it and cancels the call when it passes,
     * so an adapter need not set it on its HTTP requests (the bundled ones do not: a per-request
     * Vert.x idle timer would cost a timer per call for nothing); it is here for a transport that
     * needs one of its own.
     */
    Duration idleTimeout();

    /**
     * Registers what to do when core abandons this call. Called at most once, on the event loop,
     * with the failure that caused it. If the call was already cancelled, runs at once.
     */
    void onCancel(Consumer<ProviderException> handler);

    /** Whether core has abandoned this call. */
    boolean cancelled();

    /**
     * Registers how to pause and resume reading the upstream's streamed answer, so a client that
     * reads slower than the upstream sends holds the upstream back (TCP backpressure) instead of
     * growing the gateway's buffers. Core calls {@code pause} when the client's write queue is full
     * and {@code resume} once it has drained, only on those transitions, on the event loop; if the
     * client is already behind when this is registered, {@code pause} runs at once. Streaming
     * adapters call it once their response exists (typically with {@code response::pause} and
     * {@code response::resume}). The default ignores it, for a call that cannot be held back.
     */
    default void onFlowControl(Runnable pause, Runnable resume) {
    }
}
