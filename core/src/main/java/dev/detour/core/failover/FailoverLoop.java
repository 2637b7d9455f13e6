package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.RequestContext;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.guard.RequestGuard;
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
 * <p>Hedging ({@link Hedging}): when the first attempt has no first content after the route's
 * {@code hedge.after} (or, for a probe of a demoted target, after the healthy target's p95), and
 * the route's {@code max_share} allows (a probe's hedge is bounded by {@code probe_share}
 * instead), the request also goes to the next target the plan permits, through the same
 * permission checks as any attempt. Then two attempts race, each with its own gate: the first to
 * produce content (to commit its stream, or to answer) wins, and the other is cancelled at once
 * ({@link #lose}): its connection is closed, nothing of it reaches the client, its breaker
 * permission is given back. A failure while the other still runs ends only that attempt; the
 * request decides (retry, fall back, return) when no attempt is left running. One hedge per
 * request at most.
 *
 * @param <Q> the request
 * @param <T> the answer ({@code Void} for a stream, whose chunks go through the gate)
 */
final class FailoverLoop<Q, T> {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverLoop.class);
    /** The kind of a skip for the target's provider quota, in the attempts list. */
    static final String QUOTA = "quota";

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
    /** The strategy's first target, before the health shift: the route's first choice. */
    private TargetRuntime choice;
    private int index = -1;
    private long deadline;
    private ProviderException lastFailure;
    private List<String> skips;
    /** The attempt in flight on the plan's way (null while none is). */
    private Attempt<T> current;
    /** The hedge in flight beside {@link #current} (null while none is). */
    private Attempt<T> hedge;
    /** Fires the hedge; null when none is armed. */
    private Timers.Timer hedgeTimer;
    /** Whether the request's first call has been launched (only it may be hedged). */
    private boolean launched;
    /** Whether the hedge is a probe's (not counted against {@code max_share}). */
    private boolean probeHedge;
    /** Where the serving attempt's entry is in {@link #attempts}, or -1. */
    private int servedIndex = -1;
    /** The request's guardrails, or null. */
    private RequestGuard guard;
    /** A committed stream was cut and is being resumed: what the client gets if no target continues it. */
    private EngineResult.Failure interrupted;
    /** The request's tracing, or null when tracing is off. */
    private final RequestTrace trace;
    /** Upstream calls launched so far (each attempt's number in its span). */
    private int calls;
    /** The request's token estimate for provider quotas, computed at the first target that counts tokens; -1 before. */
    private long quotaEstimate = -1;
    /** The shortest wait until a target skipped for its quota may be called, or -1 when none was. */
    private long quotaWaitMs = -1;

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
        this.trace = abort.trace();
        this.gate = streamListener == null ? null : newGate();
    }

    private StreamGate newGate() {
        // Its sample of the text serves the detectors, and the span's captured answer.
        return new StreamGate(streamListener, route.stream(), engine.scrubber(), engine.clock,
                !route.detectors().isEmpty() || trace != null && trace.capturesContent(), this::committed);
    }

    /** Runs under the request's guardrails: the targets they allow, each answer judged by them. */
    FailoverLoop<Q, T> guarded(RequestGuard g) {
        this.guard = g;
        return this;
    }

    Future<EngineResult<T>> start() {
        List<TargetRuntime> chosen = engine.planner.plan(route, ctx);
        choice = chosen.isEmpty() ? null : chosen.get(0);
        plan = engine.planner.shift(route, chosen);
        Duration total = policy.timeouts().total() != null ? policy.timeouts().total()
                : GatewayConfig.Timeouts.DEFAULTS.total();
        deadline = engine.clock.nanos() + total.toNanos();
        abort.onAbort(this::aborted);
        if (plan.isEmpty()) {
            fail(FallbackPolicy.failure(503, "no_target_available", "route '" + route.name()
                    + "' has no target to try: " + engine.planner.whyEmpty(route, ctx)));
        } else {
            first = plan.get(0);
            if (route.hedging() != null) {
                route.hedging().request(engine.clock.nanos());
            }
            next();
        }
        return result.future();
    }

    /** The client left or the shutdown grace ran out: the call in flight is abandoned and ends the request. */
    private void aborted() {
        cancelHedgeTimer();
        // The adapter's outcome is ignored once cancelled: failing the attempt here gives its
        // target's in-flight count and breaker permission back, and ends the request (with an
        // answer, when the gateway is the one giving up).
        String why = abort.byShutdown() ? "the gateway is shutting down" : "client closed the connection";
        Attempt<T> h = hedge;
        if (current != null) {
            current.fail(new ProviderException(ErrorKind.CONNECTION, 0, why));
        }
        if (h != null) {
            h.fail(new ProviderException(ErrorKind.CONNECTION, 0, why));
        }
    }

    private void failAborted() {
        EngineResult.Failure f = FallbackPolicy.aborted(abort.byShutdown());
        // After the commit the client has content: whatever ends the stream interrupts it.
        fail(gate != null && servedIndex >= 0 ? FallbackPolicy.cut(f) : f);
    }

    /** Moves to the next planned target the request may go to, skipping (and recording) the others. */
    private void next() {
        while (!result.future().isComplete()) {
            if (abort.aborted()) {
                failAborted();
                return;
            }
            if (++index >= plan.size()) {
                fail(quotaWait(FallbackPolicy.exhausted(route, attempts, skips, lastFailure)));
                return;
            }
            TargetRuntime t = plan.get(index);
            String why = refusal(t);
            if (why == null) {
                attempt(t, 1);
                return;
            }
            skip(t, why);
        }
    }

    /** Why {@code t} cannot take the request at all (outside the envelope, or a feature it lacks), or null. */
    private String refusal(TargetRuntime t) {
        String why = engine.envelope.outside(t);
        if (why == null && request instanceof ChatRequest chat) {
            why = t.capabilities().refusal(chat, Tokens.promptEstimate(chat));
        }
        if (why == null && guard != null) {
            why = guard.refusal(t);
        }
        return why;
    }

    private void skip(TargetRuntime t, String why) {
        skip(t, why, null);
    }

    /** Records that {@code t} was skipped without a call, for {@code why}; {@code kind} names a reason kind ({@code quota}) or is null. */
    private void skip(TargetRuntime t, String why, String kind) {
        AttemptRecord r = new AttemptRecord(t.id(), 0, kind, 0, why, null);
        attempts.add(r);
        if (skips == null) {
            skips = new ArrayList<>(2);
        }
        skips.add(t.id() + ": " + why);
        engine.listener.attempt(route, t, r);
        engine.listener.failover(route, t, why);
        if (trace != null) {
            trace.skipped(t, why);
        }
    }

    /** Permission, then call {@code tries} to {@code t}; its outcome goes to {@link #finished}. */
    private void attempt(TargetRuntime t, int tries) {
        if (timedOut()) {
            return;
        }
        CircuitBreaker.Grant grant = permit(t);
        if (grant == null) {
            next();
            return;
        }
        launch(t, grant, tries, false);
    }

    /** Ends the request with a timeout when its total deadline has passed. */
    private boolean timedOut() {
        if (engine.clock.nanos() < deadline) {
            return false;
        }
        fail(FallbackPolicy.failure(504, "upstream_timeout", "request to route '" + route.name() + "' timed out after "
                + EngineResult.calls(attempts) + " upstream calls"));
        return true;
    }

    /**
     * The breaker's permission for a call to {@code t}, or null (the skip recorded) at its
     * concurrency limit, at its provider quota, or with its breaker open. The quota is asked before
     * the breaker, so a half-open breaker's probe is not spent on a call that will not be made.
     */
    private CircuitBreaker.Grant permit(TargetRuntime t) {
        if (t.atCapacity()) {
            skip(t, "at its concurrency limit of " + t.concurrencyLimit());
            return null;
        }
        long estimate = quotaEstimate(t);
        String quota = t.quota().refusal(estimate);
        if (quota != null) {
            long wait = t.quota().waitMs(estimate);
            quotaWaitMs = quotaWaitMs < 0 ? wait : Math.min(quotaWaitMs, wait);
            skip(t, quota, QUOTA);
            return null;
        }
        CircuitBreaker.Grant grant = t.breaker().tryAcquire();
        if (grant == null) {
            skip(t, "circuit open");
        }
        return grant;
    }

    /** The request's token estimate where {@code t}'s quota counts tokens, else 0 (no estimate is made). */
    private long quotaEstimate(TargetRuntime t) {
        if (!t.quota().countsTokens()) {
            return 0;
        }
        if (quotaEstimate < 0) {
            quotaEstimate = Tokens.quotaEstimate(request);
        }
        return quotaEstimate;
    }

    /** One call to {@code t}, permitted: the request's first, a retry, a fallback's, or (with {@code asHedge}) a hedge. */
    private void launch(TargetRuntime t, CircuitBreaker.Grant grant, int tries, boolean asHedge) {
        Overrides.Prepared<Q> prepared;
        try {
            prepared = prepare.apply(t, request);
            if (interrupted != null) {
                prepared = continuation(t, prepared);
            }
        } catch (RuntimeException e) {
            t.breaker().release(grant);
            if (asHedge) {
                // The hedge is an extra: the attempt it backs up keeps the request.
                LOG.debug("no hedge for {}: the overrides of {} fail: {}", ctx.requestId(), t.id(), e.getMessage());
                return;
            }
            fail(FallbackPolicy.failure(400, "invalid_request", "the overrides of target '" + t.id()
                    + "' make an invalid request: " + e.getMessage()));
            return;
        }
        GatewayConfig.Timeouts timeouts = policy.timeouts().over(t.providerConfig().timeouts())
                .over(GatewayConfig.Timeouts.DEFAULTS);
        long now = engine.clock.nanos();
        Attempt<T> a = new Attempt<>(t, grant, ctx.requestId(), timeouts, now, deadline, engine.timers, engine.clock,
                prepared.inbound());
        a.tries = tries;
        a.hedge = asHedge;
        if (asHedge) {
            hedge = a;
        } else {
            current = a;
        }
        if (trace != null) {
            a.span = trace.attempt(t, request instanceof ChatRequest ? "chat" : "embeddings", ++calls, t != first,
                    asHedge, interrupted != null, prepared.request());
            a.call.extraHeaders = a.span.headers();
        }
        abort.flowTo(a.call);
        if (gate != null) {
            a.gate = asHedge ? newGate() : gate;
        }
        @SuppressWarnings("unchecked")
        ChunkSink sink = a.gate == null ? null : a.gate.begin((Attempt<Void>) a);
        if (sink != null && guard != null) {
            // Text a guardrail holds back still shows the upstream alive (the idle timeout watches that).
            StreamGate g = a.gate;
            sink = guard.watch(sink, a::fail, () -> {
                if (g.committed()) {
                    a.alive();
                }
            });
        }
        t.callStarted();
        a.quotaEstimate = quotaEstimate(t);
        a.quotaSlot = t.quota().charge(a.quotaEstimate);
        a.armFirstToken();
        if (!asHedge && !launched) {
            launched = true;
            armHedge(t, grant);
        }
        Future<T> f;
        try {
            f = invoker.invoke(engine.adapters.get(t.provider()), prepared.request(), a.call, sink);
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        if (guard != null) {
            f = guard.judge(f, sink, a.call);
        }
        a.follow(f);
        a.outcome().onComplete(ar -> finished(a, ar.succeeded() ? ar.result() : null, ar.succeeded() ? null : ar.cause()));
    }

    /**
     * Arms the hedge of the request's first attempt, on {@code t}: a probe (of a target the
     * graduated shift demoted as unhealthy, or its breaker's half-open probe) is hedged to the
     * first healthy target after it, after the route's fixed {@code hedge.after} or that target's
     * recent p95; any other first attempt after the route's {@code hedge.after} when the route
     * hedges. Nothing when no other target is planned.
     */
    private void armHedge(TargetRuntime t, CircuitBreaker.Grant grant) {
        boolean stream = gate != null;
        // A stream watched by guardrails (one stream state per choice) or resumable (one text sent so far)
        // is not raced by two attempts at once.
        if (route.direct() || index >= plan.size() - 1
                || stream && (guard != null && guard.watchesStreams() || route.stream().resume())) {
            return;
        }
        long wait = -1;
        TargetRuntime healthy = grant == CircuitBreaker.Grant.PROBE || t.state() == HealthState.UNHEALTHY
                ? firstHealthyAfter(index) : null;
        if (healthy != null) {
            probeHedge = true;
            wait = Hedging.probeWaitMs(route.hedging(), healthy, stream);
        } else if (route.hedging() != null) {
            wait = route.hedging().waitMs(t, stream, engine.clock.nanos());
        }
        if (wait >= 0) {
            hedgeTimer = engine.timers.schedule(wait, this::sendHedge);
        }
    }

    private TargetRuntime firstHealthyAfter(int i) {
        for (int k = i + 1; k < plan.size(); k++) {
            if (plan.get(k).state() == HealthState.HEALTHY) {
                return plan.get(k);
            }
        }
        return null;
    }

    /**
     * The first attempt has had no content for the hedge's wait: unless it has content by now or
     * {@code max_share} is reached, the request also goes to the next target the plan permits
     * (those it passes on the way are skipped and recorded, as on the plan's way).
     */
    private void sendHedge() {
        hedgeTimer = null;
        Attempt<T> a = current;
        if (a == null || !a.live() || a.firstTokenAt >= 0 || result.future().isComplete() || abort.aborted()
                || engine.clock.nanos() >= deadline) {
            return;
        }
        if (!probeHedge && !route.hedging().tryHedge(engine.clock.nanos())) {
            return;
        }
        while (++index < plan.size()) {
            TargetRuntime t = plan.get(index);
            String why = refusal(t);
            if (why != null) {
                skip(t, why);
                continue;
            }
            CircuitBreaker.Grant grant = permit(t);
            if (grant != null) {
                LOG.debug("{}: no first content from {} yet, hedged to {}", ctx.requestId(), a.target.id(), t.id());
                launch(t, grant, 1, true);
                return;
            }
        }
    }

    private void cancelHedgeTimer() {
        if (hedgeTimer != null) {
            hedgeTimer.cancel();
            hedgeTimer = null;
        }
    }

    /** The attempt still running beside {@code a}, or null. */
    private Attempt<T> other(Attempt<?> a) {
        return a == current ? hedge : a == hedge ? current : current != null ? current : hedge;
    }

    /**
     * {@code loser} lost the race to {@code winner}: it is cancelled at once (its connection
     * closed, nothing of it reaches the client) and recorded as {@code cancelled}. It gives its
     * breaker permission back: being slower than another target is no failure, and a slow target
     * is only demoted, never closed. The one exception is a half-open breaker's probe that started
     * first: the probe asks whether the target answers, and it did not while another did, so the
     * breaker opens for another cooldown rather than make every next client wait on a new probe.
     * The detectors see the loser as what it was, a call with no first content for as long as it
     * ran, when it started first (it had more time than the winner and still had nothing); a hedge
     * that lost after less time says nothing about its target.
     */
    private void lose(Attempt<T> loser, Attempt<?> winner) {
        TargetRuntime t = loser.target;
        loser.lost = true;
        if (loser == current) {
            current = null;
        } else if (loser == hedge) {
            hedge = null;
        }
        long now = engine.clock.nanos();
        long latencyMs = loser.latencyMs(now);
        ProviderException e = new ProviderException(ErrorKind.TIMEOUT, 0, "no first content after " + latencyMs
                + " ms; cancelled: " + winner.target.id() + " answered first");
        loser.fail(e);
        loser.end();
        t.callEnded();
        if (loser.span != null) {
            loser.span.failed(e, true);
        }
        boolean outrun = loser.startedAt < winner.startedAt;
        if (outrun && loser.grant == CircuitBreaker.Grant.PROBE) {
            t.breaker().onFailure(loser.grant);
        } else {
            t.breaker().release(loser.grant);
        }
        AttemptRecord rec = new AttemptRecord(t.id(), 0, AttemptRecord.CANCELLED, latencyMs, null, e.getMessage(),
                loser.hedge);
        attempts.add(rec);
        engine.listener.attempt(route, t, rec);
        if (outrun) {
            OutcomeRecorder.observe(route, loser, request, ctx.requestId(), now, loser.gate, e, latencyMs, null);
        }
    }

    /** The stream is committed to {@code a}: the other attempt loses, {@code a} is recorded as serving and the client is told. */
    @SuppressWarnings("unchecked")
    private void committed(Attempt<Void> a, long latencyMs) {
        cancelHedgeTimer();
        Attempt<T> other = other(a);
        if (other != null && other != a) {
            lose(other, a);
        }
        abort.flowTo(a.call);
        servedIndex = attempts.size();
        attempts.add(new AttemptRecord(a.target.id(), 200, null, latencyMs, null, null, a.hedge));
        Resume resume = gate.resume();
        if (resume != null && resume.pending()) {
            interrupted = null;
            streamListener.resumed(a.target, Collections.unmodifiableList(attempts), resume.committed(a.target));
            return;
        }
        streamListener.commit(a.target, Collections.unmodifiableList(attempts), a.target != first);
    }

    /**
     * Whether the committed stream {@code e} cut on {@code t} goes on to the plan's next target,
     * which continues it ({@link Resume}); if not, it ends as interrupted.
     */
    private boolean resumed(TargetRuntime t, ProviderException e) {
        Resume resume = gate.resume();
        if (resume == null || index + 1 >= plan.size()) {
            return false;
        }
        String why = resume.refusal((ChatRequest) request, e);
        if (why != null) {
            LOG.debug("stream of {} on {} not resumed: {}", ctx.requestId(), t.id(), why);
            return false;
        }
        interrupted = FallbackPolicy.interrupted(t, e);
        resume.cut(t, e);
        engine.listener.failover(route, t, "stream cut (" + e.kind().configName() + "), resumed on the next target");
        next();
        return true;
    }

    /** The request {@code t} continues the cut stream with, by its adapter's mechanism; no client bytes fit it. */
    @SuppressWarnings("unchecked")
    private Overrides.Prepared<Q> continuation(TargetRuntime t, Overrides.Prepared<Q> prepared) {
        ChatRequest r = gate.resume().continuation((ChatRequest) prepared.request(), engine.adapters.get(t.provider()));
        return new Overrides.Prepared<>((Q) r, null);
    }

    /** Record the attempt's outcome, then decide: serve, retry, fall back, return the failure or give up. */
    private void finished(Attempt<T> a, T value, Throwable cause) {
        if (a.lost) {
            return; // recorded when it lost (lose)
        }
        TargetRuntime t = a.target;
        a.end();
        t.callEnded();
        if (a == current) {
            current = null;
        } else if (a == hedge) {
            hedge = null;
        }
        StreamGate gate = a.gate;
        if (gate != null && (cause == null || gate.committed())) {
            gate.release();
        }
        long latencyMs = a.latencyMs(engine.clock.nanos());
        if (cause == null) {
            // A continuation with nothing to add is no empty answer: the client has the rest.
            String gateFailure = QualityGate.failure(route, request, value, a.firstTokenAt >= 0 || interrupted != null);
            if (gateFailure == null) {
                served(a, value, latencyMs);
                return;
            }
            cause = new ProviderException(ErrorKind.DEGRADED, 200, gateFailure);
        }
        ProviderException e = engine.classify(cause);
        if (abort.aborted()) {
            if (a.span != null) {
                a.span.failed(e, false);
            }
            t.breaker().release(a.grant);
            failAborted();
            return;
        }
        if (OutcomeRecorder.failure(a, e, latencyMs)) {
            OutcomeRecorder.observe(route, a, request, ctx.requestId(), engine.clock.nanos(), gate, e, latencyMs, null);
        }
        lastFailure = e;
        if (a.span != null) {
            a.span.failed(e, false);
        }
        AttemptRecord rec = new AttemptRecord(t.id(), e.status(), e.kind().configName(), latencyMs, null, e.getMessage(),
                a.hedge);
        if (gate != null && gate.committed()) {
            // One upstream call, one entry: the committed attempt's record now says how it ended.
            attempts.set(servedIndex, rec);
            engine.listener.attempt(route, t, rec);
            if (RequestGuard.refused(e)) {
                complete(t, null, FallbackPolicy.denied(e));
            } else if (!resumed(t, e)) {
                complete(t, null, FallbackPolicy.interrupted(t, e));
            }
            return;
        }
        attempts.add(rec);
        engine.listener.attempt(route, t, rec);
        LOG.debug("attempt {} of {} on {} failed: {}", a.tries, ctx.requestId(), t.id(), e);
        if (current != null || hedge != null) {
            // The other attempt of a hedged request still runs: it may yet answer.
            return;
        }
        cancelHedgeTimer();
        decide(a, e);
    }

    private void served(Attempt<T> a, T value, long latencyMs) {
        OutcomeRecorder.success(a, latencyMs);
        StreamGate gate = a.gate;
        if (a.quotaSlot >= 0) {
            a.target.quota().correct(a.quotaSlot, a.quotaEstimate, usedTokens(value, gate));
        }
        if (gate == null) {
            cancelHedgeTimer();
            Attempt<T> other = other(a);
            if (other != null) {
                lose(other, a);
            }
            servedIndex = attempts.size();
            attempts.add(new AttemptRecord(a.target.id(), 200, null, latencyMs, null, null, a.hedge));
        } else if (!gate.committed()) {
            // It ended within its probe window, or without any content (an empty answer): it answered.
            gate.commitAtEnd(latencyMs);
        }
        AttemptRecord servedBy = attempts.get(servedIndex);
        // The answer goes out first (completing the result writes it); the bookkeeping that
        // only shapes later requests follows, in the same event-loop task, off the latency.
        result.tryComplete(new EngineResult<>(value, a.target, List.copyOf(attempts), a.target != first, null,
                a.call.answer()));
        OutcomeRecorder.observe(route, a, request, ctx.requestId(), engine.clock.nanos(), gate, null, latencyMs, value);
        if (a.span != null) {
            Traces.answered(a.span, value, gate, trace.capturesContent());
        }
        engine.listener.attempt(route, a.target, servedBy);
        engine.listener.served(route, a.target, a.target == choice);
    }

    /** The tokens the answer says it used (prompt and completion), or -1 when it does not say. */
    private static long usedTokens(Object value, StreamGate gate) {
        dev.detour.api.model.Usage u = value instanceof dev.detour.api.model.ChatResponse r ? r.usage()
                : value instanceof dev.detour.api.model.EmbeddingResponse e ? e.usage()
                : gate != null ? gate.usage() : null;
        return u == null ? -1 : u.totalTokens();
    }

    private void decide(Attempt<T> a, ProviderException e) {
        TargetRuntime t = a.target;
        long delay = engine.retry.nextDelay(policy.retry(), a.tries, e);
        if (delay != RetryPolicy.NO_RETRY && engine.clock.nanos() + delay * 1_000_000 < deadline) {
            int tries = a.tries + 1;
            engine.timers.schedule(delay, () -> {
                if (abort.aborted()) {
                    failAborted();
                } else {
                    attempt(t, tries);
                }
            });
            return;
        }
        // Resuming a cut stream, any target may still continue it: no failure is the request's.
        switch (interrupted != null ? FallbackPolicy.Step.NEXT_TARGET
                : FallbackPolicy.after(policy.fallbackOn(), route.direct(), e)) {
            case NEXT_TARGET -> {
                engine.listener.failover(route, t, e.kind().configName() + (e.status() > 0 ? " " + e.status() : ""));
                next();
            }
            case RETURN -> complete(t, null, FallbackPolicy.returned(e, route.direct()));
            case END -> fail(FallbackPolicy.exhausted(route, attempts, skips, lastFailure));
        }
    }

    private void complete(TargetRuntime t, T value, EngineResult.Failure failure) {
        result.tryComplete(new EngineResult<>(value, t, List.copyOf(attempts), t != first, unresumed(failure)));
    }

    /** A failure while a cut stream waits for a target to continue it is still that cut, for the client. */
    private EngineResult.Failure unresumed(EngineResult.Failure f) {
        return interrupted == null || f == null ? f : new EngineResult.Failure(interrupted.status(), interrupted.type(),
                interrupted.code(), interrupted.message() + "; no target could continue it: " + f.message(), 0);
    }

    /**
     * {@code f}, with a {@code Retry-After} of the shortest quota wait when no target could be
     * called and one was skipped for its quota: then the client learns when a call can go.
     */
    private EngineResult.Failure quotaWait(EngineResult.Failure f) {
        if (quotaWaitMs < 0 || f.retryAfterSeconds() > 0 || EngineResult.calls(attempts) > 0) {
            return f;
        }
        return new EngineResult.Failure(f.status(), f.type(), f.code(), f.message(), Math.max(1, (quotaWaitMs + 999) / 1000));
    }

    /** Ends the request with a failure of the gateway's own: its message is scrubbed, no target is named. */
    private void fail(EngineResult.Failure f) {
        f = unresumed(f);
        result.tryComplete(new EngineResult<>(null, null, List.copyOf(attempts), false, new EngineResult.Failure(
                f.status(), f.type(), f.code(), engine.scrubber().scrub(f.message()), f.retryAfterSeconds())));
    }
}
