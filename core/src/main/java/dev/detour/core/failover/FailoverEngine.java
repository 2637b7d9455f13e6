package dev.detour.core.failover;

import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.WireBody;
import dev.detour.api.view.RequestContext;
import dev.detour.core.envelope.EnvelopeGuard;
import dev.detour.core.guard.RequestGuard;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The one failover engine, for every endpoint and mode. For each request, in this order
 * ({@link FailoverLoop}):
 * <ol>
 *   <li>plan: the route's strategy orders its targets, then the envelope filter drops anything
 *       outside the envelope, then the graduated shift demotes targets in poor health
 *       ({@link Planner});</li>
 *   <li>permission: a planned target is skipped (recorded in the attempts list) if it is outside
 *       the envelope, cannot honour the request, is not allowed by the request's guardrails, is
 *       at its concurrency limit, is at its provider quota (configured, or as its upstream's
 *       rate-limit headers last said: {@link dev.detour.core.quota.TargetQuota}), or its breaker
 *       refuses;</li>
 *   <li>attempt: the target's prompt and parameter overrides are applied ({@link Overrides}) and its
 *       adapter called under the first-token, idle and total timeouts (total is one deadline across
 *       all attempts) ({@link Attempt}); a stream passes through a {@link StreamGate} (behind the
 *       guardrails' stream watch, when there are any); the output guardrails judge the answer;</li>
 *   <li>record: breaker, target statistics, detectors ({@link OutcomeRecorder}); an answer that
 *       fails the route's {@link QualityGate} is a failure;</li>
 *   <li>decide: retry on the same target when the route's retry policy says so (exponential
 *       backoff with full jitter, or exactly the provider's Retry-After up to
 *       {@code max_retry_after}: {@link RetryPolicy}); else fall back to the next target when
 *       {@code fallback_on} lists the status or error kind; else return the error to the client
 *       as it is ({@link FallbackPolicy}).</li>
 * </ol>
 * A stream is committed to a target at its first content chunk: before it, every failure fails
 * over invisibly; after it, a failure ends the stream ({@code stream_interrupted}).
 *
 * <p>Time comes from the injected {@link Clock} and {@link Timers}. Runs on the event loop; never
 * blocks; one request's state is touched by one event loop only.
 */
public final class FailoverEngine {
    final Map<String, ProviderAdapter> adapters;
    final EnvelopeGuard envelope;
    final Timers timers;
    final Clock clock;
    final EngineListener listener;
    final Planner planner;
    final RetryPolicy retry;
    private final Scrubber scrubber;

    /**
     * @param adapters by provider name
     * @param timers   schedules the engine's timeouts and retries, on the event loop the engine runs on
     * @param clock    the time the engine's deadlines and latencies are measured in
     * @param random   the graduated shift's, the probes' and the backoff jitter's source
     * @param listener told of every attempt and failover
     */
    public FailoverEngine(Map<String, ProviderAdapter> adapters, EnvelopeGuard envelope, Scrubber scrubber,
                          Timers timers, Clock clock, RandomGenerator random, EngineListener listener) {
        this.adapters = Map.copyOf(adapters);
        this.envelope = envelope;
        this.scrubber = scrubber;
        this.timers = timers;
        this.clock = clock;
        this.listener = listener;
        this.planner = new Planner(envelope, random);
        this.retry = new RetryPolicy(random);
    }

    /** The scrubber that keeps configured credentials out of what the engine reports. */
    public Scrubber scrubber() {
        return scrubber;
    }

    /** The plan the route would make now: strategy order, then the envelope filter. */
    public List<TargetRuntime> plan(RouteRuntime route, RequestContext ctx) {
        return planner.plan(route, ctx);
    }

    /** A non-streamed chat completion of a request that came with no body an adapter could reuse. */
    public Future<EngineResult<ChatResponse>> chat(RouteRuntime route, ChatRequest request, RequestContext ctx,
                                                   AbortSignal abort) {
        return chat(route, request, null, ctx, abort, null);
    }

    /** A non-streamed chat completion without guardrails, as {@link #chat(RouteRuntime, ChatRequest, WireBody, RequestContext, AbortSignal, RequestGuard)}. */
    public Future<EngineResult<ChatResponse>> chat(RouteRuntime route, ChatRequest request, WireBody inbound,
                                                   RequestContext ctx, AbortSignal abort) {
        return chat(route, request, inbound, ctx, abort, null);
    }

    /**
     * A non-streamed chat completion.
     *
     * @param inbound the client's body {@code request} was parsed from, exactly, or null: each
     *                attempt hands it to its adapter while the target's overrides leave the request
     *                as parsed (see {@link dev.detour.api.provider.Call#inbound()})
     * @param guard   the request's guardrails (the targets they allow, the judging of each answer),
     *                or null
     */
    public Future<EngineResult<ChatResponse>> chat(RouteRuntime route, ChatRequest request, WireBody inbound,
                                                   RequestContext ctx, AbortSignal abort, RequestGuard guard) {
        return new FailoverLoop<ChatRequest, ChatResponse>(this, route, ctx, abort, request, null,
                (t, r) -> Overrides.forTarget(route, t, r, inbound), (a, r, call, sink) -> a.chat(r, call))
                .guarded(guard).start();
    }

    /** A streamed chat completion of a request that came with no body an adapter could reuse. */
    public Future<EngineResult<Void>> stream(RouteRuntime route, ChatRequest request, RequestContext ctx,
                                             AbortSignal abort, StreamListener streamListener) {
        return stream(route, request, null, ctx, abort, streamListener, null);
    }

    /** A streamed chat completion without guardrails. */
    public Future<EngineResult<Void>> stream(RouteRuntime route, ChatRequest request, WireBody inbound,
                                             RequestContext ctx, AbortSignal abort, StreamListener streamListener) {
        return stream(route, request, inbound, ctx, abort, streamListener, null);
    }

    /**
     * A streamed chat completion; chunks reach {@code listener} once committed.
     *
     * @param inbound as for {@link #chat(RouteRuntime, ChatRequest, WireBody, RequestContext, AbortSignal, RequestGuard)}
     * @param guard   the request's guardrails, or null
     */
    public Future<EngineResult<Void>> stream(RouteRuntime route, ChatRequest request, WireBody inbound,
                                             RequestContext ctx, AbortSignal abort, StreamListener streamListener,
                                             RequestGuard guard) {
        return new FailoverLoop<ChatRequest, Void>(this, route, ctx, abort, request, streamListener,
                (t, r) -> Overrides.forTarget(route, t, r, inbound), ProviderAdapter::stream).guarded(guard).start();
    }

    /** Embeddings. */
    public Future<EngineResult<EmbeddingResponse>> embed(RouteRuntime route, EmbeddingRequest request,
                                                         RequestContext ctx, AbortSignal abort) {
        return embed(route, request, ctx, abort, null);
    }

    /** Embeddings under the request's guardrails (or null), as {@link #chat}. */
    public Future<EngineResult<EmbeddingResponse>> embed(RouteRuntime route, EmbeddingRequest request,
                                                         RequestContext ctx, AbortSignal abort, RequestGuard guard) {
        return new FailoverLoop<EmbeddingRequest, EmbeddingResponse>(this, route, ctx, abort, request, null,
                (t, r) -> new Overrides.Prepared<>(r.withModel(t.model()), null),
                (a, r, call, sink) -> a.embed(r, call)).guarded(guard).start();
    }

    /** The failure as the engine reports it: a {@link ProviderException} with its message scrubbed. */
    ProviderException classify(Throwable cause) {
        ProviderException e = cause instanceof ProviderException p ? p
                : new ProviderException(ErrorKind.UNKNOWN, 0, "adapter failed: " + cause);
        String clean = scrubber.scrub(e.getMessage());
        return clean == e.getMessage() ? e : e.withMessage(clean);
    }

    /** The OpenAI error type for a status. */
    public static String errorType(int status) {
        return switch (status) {
            case 400, 404, 409, 413, 422 -> status == 404 ? "not_found_error" : "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> "gateway_error";
        };
    }
}
