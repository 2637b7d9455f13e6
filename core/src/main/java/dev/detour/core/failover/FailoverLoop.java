package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.view.RequestContext;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.CircuitBreaker;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;

/**
 * One request's way through its plan: plan → permission → attempt → record → decide, until an
 * attempt serves or the plan is exhausted. The pieces: {@link Planner}, the target's breaker,
 * {@link Attempt} (with the {@link StreamGate} when streamed), {@link OutcomeRecorder},
 * {@link RetryPolicy} and {@link FallbackPolicy}. Runs on the event loop; never blocks.
 *
 * @param <Q> the request
 * @param <T> the answer ({@code Void} for a stream, whose chunks go through the gate)
 */
final class FailoverLoop<Q, T> {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverLoop.class);

    /** Calls the adapter for one attempt; {@code sink} leads into the stream's gate (null when not streamed). */
    @FunctionalInterface
    interface Invoker<Q, T> {
        Future<T> invoke(ProviderAdapter adapter, Q request, Call call, ChunkSink sink);
    }

    private final FailoverEngine engine;
    private final RouteRuntime route;
    private final RequestContext ctx;
    private final AbortSignal abort;
    private final Q request;
    private final GatewayConfig.Policy policy;
    private final BiFunction<TargetRuntime, Q, Overrides.Prepared<Q>> prepare;
    private final Invoker<Q, T> invoker;
    /** The stream's gate, or null when the answer is not streamed. */
    private final StreamGate gate;
    private final StreamListener streamListener;
    private final Promise<EngineResult<T>> result = Promise.promise();
    private final List<AttemptRecord> attempts = new ArrayList<>(4);
    private List<TargetRuntime> plan;
    private TargetRuntime first;
    private int index = -1;
    /** Calls made to the current target. */
    private int tries;
    private long deadline;
    private ProviderException lastFailure;
    private List<String> skips;
    private Attempt<T> current;

    FailoverLoop(FailoverEngine engine, RouteRuntime route, RequestContext ctx, AbortSignal abort, Q request,
                 StreamListener streamListener, BiFunction<TargetRuntime, Q, Overrides.Prepared<Q>> prepare,
                 Invoker<Q, T> invoker) {
        this.engine = engine;
        this.route = route;
        this.ctx = ctx;
        this.abort = abort;
        this.request = request;
        this.policy = route.policy();
        this.prepare = prepare;
        this.invoker = invoker;
        this.streamListener = streamListener;
        this.gate = streamListener == null ? null : new StreamGate(streamListener, route.stream(), engine.scrubber(),
                engine.clock, !route.detectors().isEmpty(), this::committed);
    }

    Future<EngineResult<T>> start() {
        plan = engine.planner.shift(route, engine.planner.plan(route, ctx));
        Duration total = policy.timeouts().total() != null ? policy.timeouts().total()
                : GatewayConfig.Timeouts.DEFAULTS.total();
        deadline = engine.clock.nanos() + total.toNanos();
        abort.onAbort(this::aborted);
        if (plan.isEmpty()) {
            fail(FallbackPolicy.failure(503, "no_target_available", "route '" + route.name()
                    + "' has no target to try: " + engine.planner.whyEmpty(route, ctx)));
        } else {
            first = plan.get(0);
            next();
        }
        return result.future();
    }

    /** The client left or the shutdown grace ran out: the call in flight is abandoned and ends the request. */
    private void aborted() {
        if (current != null) {
            // The adapter's outcome is ignored once cancelled: failing the attempt here gives its
            // target's in-flight count and breaker permission back, and ends the request (with an
            // answer, when the gateway is the one giving up).
            current.fail(new ProviderException(ErrorKind.CONNECTION, 0, abort.byShutdown()
                    ? "the gateway is shutting down" : "client closed the connection"));
        }
    }

    private void failAborted() {
        fail(FallbackPolicy.aborted(abort.byShutdown()));
    }

    /** Moves to the next planned target the request may go to, skipping (and recording) the others. */
    private void next() {
        while (!result.future().isComplete()) {
            if (abort.aborted()) {
                failAborted();
                return;
            }
            if (++index >= plan.size()) {
                fail(FallbackPolicy.exhausted(route, attempts, skips, lastFailure));
                return;
            }
            TargetRuntime t = plan.get(index);
            tries = 0;
            String why = engine.envelope.outside(t);
            if (why == null && request instanceof ChatRequest chat) {
                why = t.capabilities().refusal(chat, Tokens.promptEstimate(chat));
            }
            if (why == null) {
                attempt(t);
                return;
            }
            skip(t, why);
        }
    }

    private void skip(TargetRuntime t, String why) {
        AttemptRecord r = new AttemptRecord(t.id(), 0, null, 0, why, null);
        attempts.add(r);
        if (skips == null) {
            skips = new ArrayList<>(2);
        }
        skips.add(t.id() + ": " + why);
        engine.listener.attempt(route, t, r);
        engine.listener.failover(route, t, why);
    }

    /** Permission, then one call to {@code t}; its outcome goes to {@link #finished}. */
    private void attempt(TargetRuntime t) {
        long now = engine.clock.nanos();
        if (now >= deadline) {
            fail(FallbackPolicy.failure(504, "upstream_timeout", "request to route '" + route.name() + "' timed out after "
                    + EngineResult.calls(attempts) + " upstream calls"));
            return;
        }
        CircuitBreaker.Grant grant = t.atCapacity() ? null : t.breaker().tryAcquire();
        if (grant == null) {
            skip(t, t.atCapacity() ? "at its concurrency limit of " + t.concurrencyLimit() : "circuit open");
            next();
            return;
        }
        tries++;
        Overrides.Prepared<Q> prepared;
        try {
            prepared = prepare.apply(t, request);
        } catch (RuntimeException e) {
            t.breaker().release(grant);
            fail(FallbackPolicy.failure(400, "invalid_request", "the overrides of target '" + t.id()
                    + "' make an invalid request: " + e.getMessage()));
            return;
        }
        GatewayConfig.Timeouts timeouts = policy.timeouts().over(t.providerConfig().timeouts())
                .over(GatewayConfig.Timeouts.DEFAULTS);
        Attempt<T> a = new Attempt<>(t, grant, ctx.requestId(), timeouts, now, deadline, engine.timers, engine.clock,
                prepared.inbound());
        current = a;
        abort.flowTo(a.call);
        @SuppressWarnings("unchecked")
        ChunkSink sink = gate == null ? null : gate.begin((Attempt<Void>) a);
        t.callStarted();
        a.armFirstToken();
        Future<T> f;
        try {
            f = invoker.invoke(engine.adapters.get(t.provider()), prepared.request(), a.call, sink);
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        a.follow(f);
        a.outcome().onComplete(ar -> finished(a, ar.succeeded() ? ar.result() : null, ar.succeeded() ? null : ar.cause()));
    }

    /** The stream is committed to {@code a}: it is recorded as the serving attempt and the client is told. */
    private void committed(Attempt<Void> a, long latencyMs) {
        attempts.add(new AttemptRecord(a.target.id(), 200, null, latencyMs, null, null));
        streamListener.commit(a.target, Collections.unmodifiableList(attempts), a.target != first);
    }

    /** Record the attempt's outcome, then decide: serve, retry, fall back, return the failure or give up. */
    private void finished(Attempt<T> a, T value, Throwable cause) {
        TargetRuntime t = a.target;
        a.end();
        t.callEnded();
        current = null;
        if (gate != null && (cause == null || gate.committed())) {
            gate.release();
        }
        long latencyMs = a.latencyMs(engine.clock.nanos());
        if (cause == null) {
            String gateFailure = QualityGate.failure(route, request, value, a.firstTokenAt >= 0);
            if (gateFailure == null) {
                served(a, value, latencyMs);
                return;
            }
            cause = new ProviderException(ErrorKind.DEGRADED, 200, gateFailure);
        }
        ProviderException e = engine.classify(cause);
        if (abort.aborted()) {
            t.breaker().release(a.grant);
            failAborted();
            return;
        }
        if (OutcomeRecorder.failure(a, e, latencyMs)) {
            OutcomeRecorder.observe(route, a, request, ctx.requestId(), engine.clock.nanos(), gate, e, latencyMs, null);
        }
        lastFailure = e;
        AttemptRecord rec = new AttemptRecord(t.id(), e.status(), e.kind().configName(), latencyMs, null, e.getMessage());
        if (gate != null && gate.committed()) {
            // One upstream call, one entry: the committed attempt's record now says how it ended.
            attempts.set(attempts.size() - 1, rec);
            engine.listener.attempt(route, t, rec);
            complete(t, null, FallbackPolicy.interrupted(t, e));
            return;
        }
        attempts.add(rec);
        engine.listener.attempt(route, t, rec);
        LOG.debug("attempt {} of {} on {} failed: {}", tries, ctx.requestId(), t.id(), e);
        decide(t, e);
    }

    private void served(Attempt<T> a, T value, long latencyMs) {
        OutcomeRecorder.success(a, latencyMs);
        if (gate == null) {
            attempts.add(new AttemptRecord(a.target.id(), 200, null, latencyMs, null, null));
        } else if (!gate.committed()) {
            // It ended within its probe window, or without any content (an empty answer): it answered.
            gate.commitAtEnd(latencyMs);
        }
        AttemptRecord servedBy = attempts.get(attempts.size() - 1);
        // The answer goes out first (completing the result writes it); the bookkeeping that
        // only shapes later requests follows, in the same event-loop task, off the latency.
        result.tryComplete(new EngineResult<>(value, a.target, List.copyOf(attempts), a.target != first, null,
                a.call.answer()));
        OutcomeRecorder.observe(route, a, request, ctx.requestId(), engine.clock.nanos(), gate, null, latencyMs, value);
        engine.listener.attempt(route, a.target, servedBy);
    }

    private void decide(TargetRuntime t, ProviderException e) {
        long delay = engine.retry.nextDelay(policy.retry(), tries, e);
        if (delay != RetryPolicy.NO_RETRY && engine.clock.nanos() + delay * 1_000_000 < deadline) {
            engine.timers.schedule(delay, () -> {
                if (abort.aborted()) {
                    failAborted();
                } else {
                    attempt(t);
                }
            });
            return;
        }
        switch (FallbackPolicy.after(policy.fallbackOn(), route.direct(), e)) {
            case NEXT_TARGET -> {
                engine.listener.failover(route, t, e.kind().configName() + (e.status() > 0 ? " " + e.status() : ""));
                next();
            }
            case RETURN -> complete(t, null, FallbackPolicy.returned(e, route.direct()));
            case END -> fail(FallbackPolicy.exhausted(route, attempts, skips, lastFailure));
        }
    }

    private void complete(TargetRuntime t, T value, EngineResult.Failure failure) {
        result.tryComplete(new EngineResult<>(value, t, List.copyOf(attempts), t != first, failure));
    }

    /** Ends the request with a failure of the gateway's own: its message is scrubbed, no target is named. */
    private void fail(EngineResult.Failure f) {
        result.tryComplete(new EngineResult<>(null, null, List.copyOf(attempts), false, new EngineResult.Failure(
                f.status(), f.type(), f.code(), engine.scrubber().scrub(f.message()), f.retryAfterSeconds())));
    }
}
