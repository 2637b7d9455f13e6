package dev.detour.api.provider;

import dev.detour.api.ProviderException;
import dev.detour.api.view.TargetView;

import java.time.Duration;
import java.util.Map;
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

    /**
     * The client's own request body, for this attempt, or null. Core hands it over only while the
     * request passed to the adapter is still exactly what was parsed from it, except for
     * {@code model} and the stream flags ({@code stream}, {@code stream_options.include_usage}),
     * which the request says and the body may not: a target's prompt or parameter overrides, or
     * a request that did not come in as this format, leave it null. So an adapter whose upstream
     * speaks {@link WireBody#format()} may send these bytes with the model and stream flags set
     * from the request, instead of writing every message again (the OpenAI-compatible client
     * does). An adapter for another format ignores it. Never mutate the bytes. The default is null.
     */
    default WireBody inbound() {
        return null;
    }

    /**
     * Hands back the upstream's answer exactly as received, beside the canonical answer the
     * adapter's future completes with, which must say exactly what these bytes say (decoded from
     * them, nothing dropped that the format carries). Core then sends these bytes as they are to a
     * client that speaks {@link WireBody#format()}, when nothing on the way changed the answer,
     * instead of writing the answer again; otherwise it ignores them. Call it before completing the
     * future; a later call replaces the bytes, and null withdraws them (an adapter that changes an
     * answer its HTTP client decoded, for instance). Never mutate the bytes afterwards. Whole (non-streamed) answers only:
     * a stream's events go with their chunks ({@link ChunkSink#next(dev.detour.api.model.ChatChunk,
     * WireBody)}). The default ignores it.
     */
    default void answerWire(WireBody body) {
    }

    /**
     * Headers core asks the adapter to send on this attempt's upstream HTTP request, as they are:
     * the W3C trace context of the attempt's span ({@code traceparent}, and {@code tracestate} when
     * the client sent one) when tracing is on, so the provider's side of the call joins the
     * client's trace. Never credentials; names are lower case. An adapter that sends HTTP adds
     * each (one {@code forEach}); one that cannot carry headers ignores them. Empty when there are
     * none, which is the default.
     */
    default Map<String, String> extraHeaders() {
        return Map.of();
    }

    /**
     * Hands core what the upstream's answer headers said of its quota (its remaining requests and
     * tokens, and when they reset), read from the provider's own rate-limit headers. Core keeps it
     * per target and skips the target, before any call, once the upstream would refuse it for
     * quota, until the reset. Call it once the response's headers have arrived, whatever its status
     * (a 429's headers matter most), on the event loop, and only with values the upstream sent. The
     * default ignores it.
     */
    default void rateLimits(RateLimits limits) {
    }
}
