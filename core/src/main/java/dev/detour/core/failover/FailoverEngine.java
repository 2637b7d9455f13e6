package dev.detour.core.failover;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.WireBody;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import dev.detour.wire.openai.OpenAiJson;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.Units;
import dev.detour.core.envelope.EnvelopeGuard;
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
import java.util.Map;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;

/**
 * The one failover engine, for every endpoint and mode. For each request, in this order:
 * <ol>
 *   <li>plan: the route's strategy orders its targets, then the envelope filter drops anything
 *       outside the envelope (and a guardrail's narrowing, if any);</li>
 *   <li>for each planned target: skip it (recorded in the attempts list) if it is outside the
 *       envelope, cannot honour the request, is at its concurrency limit, or its breaker refuses;</li>
 *   <li>apply the target's prompt and parameter overrides, and call its adapter under the
 *       first-token, idle and total timeouts (total is one deadline across all attempts);</li>
 *   <li>record the outcome: breaker, target statistics, detectors;</li>
 *   <li>on failure: retry on the same target when the route's retry policy says so (exponential
 *       backoff with full jitter, or exactly the provider's Retry-After up to
 *       {@code max_retry_after}); else fall back to the next target when {@code fallback_on}
 *       lists the status or error kind; else return the error to the client as it is.</li>
 * </ol>
 * A stream is committed to a target at its first content chunk: before it, every failure fails
 * over invisibly; after it, a failure ends the stream ({@code stream_interrupted}).
 *
 * <p>Runs on the event loop; never blocks.
 */
public final class FailoverEngine {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverEngine.class);
    /**
     * The most of a streamed answer's text kept for the detectors: they judge a sample (its start,
     * and the length of the whole), so a stream of any size costs bounded memory.
     */
    static final int MAX_OBSERVED_CHARS = 64 * 1024;
    /**
     * The most chunks held back before a stream is committed. Chunks without content (role-only,
     * keep-alive) do not commit a stream, and a probe window holds content; past this many the
     * stream is judged and committed (or failed) at once, so an upstream cannot fill memory with
     * chunks that never commit.
     */
    static final int MAX_HELD_CHUNKS = 1024;

    private final Map<String, ProviderAdapter> adapters;
    private final EnvelopeGuard envelope;
    private final Scrubber scrubber;
    private final Timers timers;
    private final Clock clock;
    private final RandomGenerator random;
    private final EngineListener listener;

    public FailoverEngine(Map<String, ProviderAdapter> adapters, EnvelopeGuard envelope, Scrubber scrubber,
                          Timers timers, Clock clock, RandomGenerator random, EngineListener listener) {
        this.adapters = Map.copyOf(adapters);
        this.envelope = envelope;
        this.scrubber = scrubber;
        this.timers = timers;
        this.clock = clock;
        this.random = random;
        this.listener = listener;
    }

    public Scrubber scrubber() {
        return scrubber;
    }

    /** The plan the route would make now: strategy order, then the envelope filter. */
    public List<TargetRuntime> plan(RouteRuntime route, RequestContext ctx) {
        List<TargetView> ordered;
        try {
            ordered = route.strategy().plan(ctx, route.targets());
        } catch (RuntimeException e) {
            LOG.warn("strategy '{}' of route '{}' failed; using config order", route.strategyType(), route.name(), e);
            ordered = route.targets();
        }
        List<TargetRuntime> own = route.runtimes();
        List<TargetRuntime> plan = new ArrayList<>(ordered.size());
        for (TargetView v : ordered) {
            // Only the route's own runtimes may be planned, once each: a strategy cannot invent a
            // target. Routes are short, so identity scans beat building a map per request.
            if (v instanceof TargetRuntime t && containsIdentity(own, t) && !containsIdentity(plan, t)
                    && envelope.outside(t) == null) {
                plan.add(t);
            }
        }
        return plan;
    }

    private static boolean containsIdentity(List<TargetRuntime> list, TargetRuntime t) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * The graduated shift, shared by every strategy: a healthy target keeps its place; a degraded
     * one keeps it with a probability that falls with its score; an unhealthy one is demoted.
     * Demoted targets move to the end of the plan, in order, so they remain fallbacks and nothing
     * is dropped. Then one probe: the first callable target that is not healthy and is due (by
     * {@code probe_share}, or because {@code probe_interval} passed since its last probe) moves to
     * the front, wherever the strategy had put it, so its recovery is seen even when a strategy
     * ranks unhealthy targets last.
     */
    List<TargetRuntime> shift(RouteRuntime route, List<TargetRuntime> plan) {
        GatewayConfig.Degradation d = route.degradation();
        if (!d.gradual() || plan.size() < 2) {
            return plan;
        }
        List<TargetRuntime> kept = null;
        List<TargetRuntime> demoted = null;
        for (int i = 0; i < plan.size(); i++) {
            TargetRuntime t = plan.get(i);
            boolean keep = switch (t.state()) {
                case HEALTHY -> true;
                case DEGRADED -> random.nextDouble() < Math.min(1, (t.score() - 0.3) / 0.5);
                case UNHEALTHY -> false;
            };
            if (!keep && demoted == null) {
                demoted = new ArrayList<>(2);
                kept = new ArrayList<>(plan.subList(0, i));
            }
            if (demoted != null) {
                (keep ? kept : demoted).add(t);
            }
        }
        List<TargetRuntime> out = plan;
        if (demoted != null) {
            kept.addAll(demoted);
            out = kept;
        }
        long interval = d.probeInterval().toNanos();
        for (int i = 1; i < out.size(); i++) {
            TargetRuntime t = out.get(i);
            if (t.state() != dev.detour.api.view.HealthState.HEALTHY && t.callable()
                    && t.takeProbe(d.probeShare(), interval, random)) {
                if (out == plan) {
                    out = new ArrayList<>(plan);
                }
                out.remove(i);
                out.add(0, t);
                break;
            }
        }
        return out;
    }

    /** Why a served answer fails the route's quality gate, or null when it passes. */
    static String qualityGate(RouteRuntime route, Object request, Object value, boolean streamHadContent) {
        if (route.qualityGate().isEmpty()) {
            return null;
        }
        if (value instanceof ChatResponse r) {
            boolean toolCalls = !r.choices().isEmpty() && !r.choices().get(0).message().toolCalls().isEmpty();
            if (route.qualityGate().contains("empty") && r.text().isBlank() && !toolCalls) {
                return "the answer was empty (quality_gate: empty)";
            }
            if (route.qualityGate().contains("invalid_json") && request instanceof ChatRequest c && c.wantsJson()
                    && !toolCalls && !validJson(r.text())) {
                return "the answer was not valid JSON (quality_gate: invalid_json)";
            }
        } else if (request instanceof ChatRequest && !streamHadContent && route.qualityGate().contains("empty")) {
            return "the stream ended without content (quality_gate: empty)";
        }
        return null;
    }

    private static boolean validJson(String text) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = WireJson.MAPPER.readTree(text);
            return n != null && (n.isObject() || n.isArray());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A non-streamed chat completion of a request that came with no body an adapter could reuse. */
    public Future<EngineResult<ChatResponse>> chat(RouteRuntime route, ChatRequest request, RequestContext ctx,
                                                   AbortSignal abort) {
        return chat(route, request, null, ctx, abort);
    }

    /**
     * A non-streamed chat completion.
     *
     * @param inbound the client's body {@code request} was parsed from, exactly, or null: each
     *                attempt hands it to its adapter while the target's overrides leave the request
     *                as parsed (see {@link dev.detour.api.provider.Call#inbound()})
     */
    public Future<EngineResult<ChatResponse>> chat(RouteRuntime route, ChatRequest request, WireBody inbound,
                                                   RequestContext ctx, AbortSignal abort) {
        return new Run<ChatRequest, ChatResponse>(route, ctx, abort, request, false, null,
                (t, r) -> forTarget(route, t, r, inbound),
                (a, r, call, run) -> a.chat(r, call))
                .start();
    }

    /** A streamed chat completion of a request that came with no body an adapter could reuse. */
    public Future<EngineResult<Void>> stream(RouteRuntime route, ChatRequest request, RequestContext ctx,
                                             AbortSignal abort, StreamListener streamListener) {
        return stream(route, request, null, ctx, abort, streamListener);
    }

    /**
     * A streamed chat completion; chunks reach {@code listener} once committed.
     *
     * @param inbound as for {@link #chat(RouteRuntime, ChatRequest, WireBody, RequestContext, AbortSignal)}
     */
    public Future<EngineResult<Void>> stream(RouteRuntime route, ChatRequest request, WireBody inbound,
                                             RequestContext ctx, AbortSignal abort, StreamListener streamListener) {
        return new Run<ChatRequest, Void>(route, ctx, abort, request, true, streamListener,
                (t, r) -> forTarget(route, t, r, inbound),
                (a, r, call, run) -> a.stream(r, call, new ChunkSink() {
                    @Override
                    public void next(ChatChunk chunk) {
                        run.onChunk(call, chunk);
                    }

                    @Override
                    public void next(ChatChunk chunk, WireBody wire) {
                        call.chunkWire(chunk, wire);
                        run.onChunk(call, chunk);
                    }
                }))
                .start();
    }

    /** Embeddings. */
    public Future<EngineResult<EmbeddingResponse>> embed(RouteRuntime route, EmbeddingRequest request,
                                                         RequestContext ctx, AbortSignal abort) {
        return new Run<EmbeddingRequest, EmbeddingResponse>(route, ctx, abort, request, false, null,
                (t, r) -> new Prepared<>(r.withModel(t.model()), null), (a, r, call, run) -> a.embed(r, call)).start();
    }

    /** A request as one target receives it, and the client's body that still says the same (or null). */
    record Prepared<Q>(Q request, WireBody inbound) {
    }

    /**
     * The request as this target should receive it: its model, its prompt and parameter overrides;
     * with the body that says the same. The client's body ({@code inbound}) does while only the
     * model changes; a prompt override leaves none (the messages changed); parameter overrides are
     * applied to the client's tree, so the body is that tree, written once here rather than by the
     * adapter, and every field the client sent still travels.
     */
    static Prepared<ChatRequest> forTarget(RouteRuntime route, TargetRuntime t, ChatRequest request, WireBody inbound) {
        GatewayConfig.Target cfg = route.targetConfigs().get(t.id());
        ChatRequest.Builder b = request.toBuilder().model(t.model());
        byte[] client = inbound != null && inbound.is(WireBody.OPENAI) ? inbound.bytes() : null;
        if (cfg != null && cfg.prompt() != null) {
            b.messages(applyPrompt(request.messages(), cfg.prompt()));
            client = null;
        }
        ChatRequest out = b.build();
        if (cfg != null && cfg.params() != null) {
            ObjectNode json = OpenAiJson.writeRequest(out, client);
            cfg.params().properties().forEach(e -> json.set(e.getKey(), e.getValue()));
            out = OpenAiJson.parseRequest(json);
            try {
                return new Prepared<>(out, new WireBody(WireBody.OPENAI, WireJson.MAPPER.writeValueAsBytes(json)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree always serialises", e);
            }
        }
        return new Prepared<>(out, client == null ? null : inbound);
    }

    private static List<Message> applyPrompt(List<Message> messages, GatewayConfig.Prompt prompt) {
        List<Message> out = new ArrayList<>(messages.size() + 1);
        boolean placed = false;
        for (Message m : messages) {
            boolean system = m.role().equals("system") || m.role().equals("developer");
            if (system && !placed) {
                String text = switch (prompt.systemMode()) {
                    case "prepend" -> prompt.system() + "\n\n" + m.text();
                    case "append" -> m.text() + "\n\n" + prompt.system();
                    default -> prompt.system();
                };
                out.add(Message.text("system", text));
                placed = true;
            } else if (!system || !prompt.systemMode().equals("replace")) {
                out.add(m);
            }
        }
        if (!placed) {
            out.add(0, Message.text("system", prompt.system()));
        }
        return out;
    }

    @FunctionalInterface
    private interface Invoker<Q, T> {
        Future<T> invoke(ProviderAdapter adapter, Q request, AttemptCall call, Run<Q, T> run);
    }

    /** One request's way through the plan. */
    private final class Run<Q, T> {
        private final RouteRuntime route;
        private final RequestContext ctx;
        private final AbortSignal abort;
        private final Q request;
        private final boolean streaming;
        private final StreamListener streamListener;
        private final BiFunction<TargetRuntime, Q, Prepared<Q>> prepare;
        private final Invoker<Q, T> invoker;
        private final Promise<EngineResult<T>> result = Promise.promise();
        private final List<AttemptRecord> attempts = new ArrayList<>(4);
        private final GatewayConfig.Policy policy;

        private List<TargetRuntime> plan;
        private int index = -1;
        private int tries;
        private long deadline;
        private ProviderException lastFailure;
        private TargetRuntime first;
        private List<String> skips;

        // The attempt in flight.
        private AttemptCall current;
        private Timers.Timer timer;
        private long attemptStart;
        private long firstTokenAt = -1;
        private boolean committed;
        private List<ChatChunk> held;
        private StringBuilder streamedText;
        /** The whole streamed text's length; {@link #streamedText} keeps only its start. */
        private long streamedChars;
        private Usage streamedUsage;
        private FinishReason streamedFinish;

        Run(RouteRuntime route, RequestContext ctx, AbortSignal abort, Q request, boolean streaming,
            StreamListener streamListener, BiFunction<TargetRuntime, Q, Prepared<Q>> prepare, Invoker<Q, T> invoker) {
            this.route = route;
            this.ctx = ctx;
            this.abort = abort;
            this.request = request;
            this.streaming = streaming;
            this.streamListener = streamListener;
            this.prepare = prepare;
            this.invoker = invoker;
            this.policy = route.policy();
        }

        Future<EngineResult<T>> start() {
            plan = shift(route, plan(route, ctx));
            Duration total = policy.timeouts().total() != null ? policy.timeouts().total() : Duration.ofSeconds(600);
            deadline = clock.nanos() + total.toNanos();
            abort.onAbort(this::aborted);
            if (plan.isEmpty()) {
                fail(503, "no_target_available", "route '" + route.name() + "' has no target inside the envelope");
            } else {
                first = plan.get(0);
                next();
            }
            return result.future();
        }

        private void aborted() {
            if (current != null) {
                ProviderException e = new ProviderException(ErrorKind.CONNECTION, 0, abort.byShutdown()
                        ? "the gateway is shutting down" : "client closed the connection");
                current.cancel(e);
                // The adapter's outcome is ignored once cancelled: end the attempt here, so its
                // target's in-flight count and breaker permission are given back and the request
                // ends (with an answer, when the gateway is the one giving up).
                if (outcomeForTimer != null) {
                    outcomeForTimer.tryFail(e);
                }
            }
        }

        /** Ends the request because of the abort signal: the client left, or the shutdown grace ran out. */
        private void failAborted() {
            if (abort.byShutdown()) {
                fail(503, "shutting_down", "the gateway is shutting down and its shutdown grace ran out");
            } else {
                fail(499, "client_closed", "the client closed the connection");
            }
        }

        private void next() {
            while (!result.future().isComplete()) {
                if (abort.aborted()) {
                    failAborted();
                    return;
                }
                index++;
                if (index >= plan.size()) {
                    exhausted();
                    return;
                }
                TargetRuntime t = plan.get(index);
                tries = 0;
                String why = envelope.outside(t);
                if (why == null && request instanceof ChatRequest chat) {
                    why = t.capabilities().refusal(chat, chat.textLength() / 4 + 16 * chat.messages().size());
                }
                if (why != null) {
                    skip(t, why);
                    continue;
                }
                attempt(t);
                return;
            }
        }

        private void skip(TargetRuntime t, String why) {
            AttemptRecord r = new AttemptRecord(t.id(), 0, null, 0, why, null);
            attempts.add(r);
            if (skips == null) {
                skips = new ArrayList<>(2);
            }
            skips.add(t.id() + ": " + why);
            listener.attempt(route, t, r);
            listener.failover(route, t, why);
        }

        private void attempt(TargetRuntime t) {
            long now = clock.nanos();
            if (now >= deadline) {
                lastFailure = new ProviderException(ErrorKind.TIMEOUT, 0, "total timeout of "
                        + Units.format(policy.timeouts().total() == null ? Duration.ofSeconds(600) : policy.timeouts().total())
                        + " reached");
                fail(504, "upstream_timeout", "request to route '" + route.name() + "' timed out after "
                        + calls() + " upstream calls");
                return;
            }
            if (t.atCapacity()) {
                skip(t, "at its concurrency limit of " + t.concurrencyLimit());
                next();
                return;
            }
            CircuitBreaker.Grant grant = t.breaker().tryAcquire();
            if (grant == null) {
                skip(t, "circuit open");
                next();
                return;
            }
            tries++;
            GatewayConfig.Timeouts to = policy.timeouts().over(t.providerConfig().timeouts()).over(GatewayConfig.Timeouts.DEFAULTS);
            timeouts = to;
            Prepared<Q> prepared;
            try {
                prepared = prepare.apply(t, request);
            } catch (RuntimeException e) {
                t.breaker().release(grant);
                fail(400, "invalid_request", "the overrides of target '" + t.id() + "' make an invalid request: "
                        + e.getMessage());
                return;
            }
            AttemptCall call = new AttemptCall(t, ctx.requestId(), to.connect(), to.idle(), prepared.inbound());
            current = call;
            abort.flowTo(call);
            committed = false;
            idleArmed = false;
            held = null;
            firstTokenAt = -1;
            // The streamed text is kept only for the detectors, which judge the answer.
            streamedText = streaming && !route.detectors().isEmpty() ? new StringBuilder() : null;
            streamedChars = 0;
            streamedUsage = null;
            streamedFinish = null;
            attemptStart = now;
            t.callStarted();
            Promise<T> outcome = Promise.promise();
            long remainingMs = Math.max(1, (deadline - now) / 1_000_000);
            armTimer(call, outcome, Math.min(to.firstToken().toMillis(), remainingMs),
                    "no first token within " + Units.format(to.firstToken()));
            ProviderAdapter adapter = adapters.get(t.provider());
            Future<T> f;
            try {
                f = invoker.invoke(adapter, prepared.request(), call, this);
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            f.onComplete(ar -> {
                if (call.cancelled()) {
                    return;
                }
                if (ar.succeeded()) {
                    outcome.tryComplete(ar.result());
                } else {
                    outcome.tryFail(ar.cause());
                }
            });
            GatewayConfig.Timeouts finalTo = to;
            outcome.future().onComplete(ar -> finished(t, grant, call, finalTo, ar.succeeded() ? ar.result() : null,
                    ar.succeeded() ? null : ar.cause()));
        }

        /**
         * Arms the attempt's one timer: a timeout that cancels the call with {@code why}, or, when
         * {@code why} is null, the end of the stream's probe window, which judges its throughput.
         */
        private void armTimer(AttemptCall call, Promise<T> outcome, long ms, String why) {
            if (timer != null) {
                timer.cancel();
            }
            idleArmed = false;
            this.outcomeForTimer = outcome;
            timer = timers.schedule(ms, () -> {
                timer = null;
                if (call != current || call.cancelled()) {
                    return;
                }
                if (why == null) {
                    if (!committed && throughputOk(call)) {
                        commit(call);
                    }
                    return;
                }
                long remaining = deadline - clock.nanos();
                ProviderException e = new ProviderException(ErrorKind.TIMEOUT, 0,
                        remaining <= 0 ? "total timeout reached" : why);
                call.cancel(e);
                outcome.tryFail(e);
            });
        }

        private Promise<T> outcomeForTimer;
        private GatewayConfig.Timeouts timeouts;
        private long probedChars;
        private long lastChunkAt;
        private boolean idleArmed;

        /** The current streamed attempt's guard against secrets split across deltas, and its attempt. */
        private StreamScrubber guard;
        private AttemptCall guarded;

        /** A chunk from the adapter of the current streaming attempt. */
        void onChunk(AttemptCall call, ChatChunk raw) {
            if (call != current || call.cancelled()) {
                return;
            }
            if (!scrubber.active()) {
                deliver(call, raw);
                return;
            }
            if (guarded != call) {
                guarded = call;
                guard = new StreamScrubber(scrubber);
            }
            ChatChunk chunk = guard.next(raw);
            ChatChunk r = guard.poll();
            if (chunk == null && r == null && committed) {
                // Held back, but the upstream is alive: that is what the idle timeout watches.
                armIdle(call);
            }
            for (; r != null && !call.cancelled(); r = guard.poll()) {
                deliver(call, r);
            }
            if (chunk != null && !call.cancelled()) {
                deliver(call, chunk);
            }
        }

        /**
         * The attempt's stream ended, or broke after it was committed: no more of a secret can
         * follow, so what the guard still holds as one's possible beginning goes out before the end.
         */
        private void releaseGuard() {
            guard.end();
            for (ChatChunk r = guard.poll(); r != null; r = guard.poll()) {
                if (committed) {
                    emit(guarded, r);
                } else {
                    if (firstTokenAt < 0 && r.hasContent()) {
                        firstTokenAt = clock.nanos();
                    }
                    if (held == null) {
                        held = new ArrayList<>(1);
                    }
                    held.add(r);
                }
            }
            guard = null;
            guarded = null;
        }

        /** A chunk of the current attempt, as it may be sent: held until commit, then passed on. */
        private void deliver(AttemptCall call, ChatChunk chunk) {
            if (streamedText != null && chunk.text() != null) {
                String text = chunk.text();
                streamedChars += text.length();
                int room = MAX_OBSERVED_CHARS - streamedText.length();
                if (room > 0) {
                    streamedText.append(text, 0, Math.min(room, text.length()));
                }
            }
            if (chunk.usage() != null) {
                streamedUsage = chunk.usage();
            }
            if (chunk.finishReason() != null) {
                streamedFinish = chunk.finishReason();
            }
            if (!committed) {
                if (held == null) {
                    held = new ArrayList<>(4);
                }
                held.add(chunk);
                if (held.size() >= MAX_HELD_CHUNKS) {
                    // Enough held back: judge now rather than hold more.
                    if (firstTokenAt < 0) {
                        firstTokenAt = clock.nanos();
                    }
                    if (route.stream().minTokensPerS() <= 0 || throughputOk(call)) {
                        commit(call);
                    }
                    return;
                }
                if (!chunk.hasContent()) {
                    return;
                }
                if (firstTokenAt < 0) {
                    firstTokenAt = clock.nanos();
                    if (route.stream().minTokensPerS() > 0) {
                        // Hold the stream for the probe window and judge its throughput before it is committed.
                        probedChars = 0;
                        armTimer(call, outcomeForTimer, route.stream().probeWindow().toMillis(), null);
                    }
                }
                if (route.stream().minTokensPerS() > 0) {
                    probedChars += chunk.text() == null ? 0 : chunk.text().length();
                    if (clock.nanos() - firstTokenAt < route.stream().probeWindow().toNanos()) {
                        return;
                    }
                    if (!throughputOk(call)) {
                        return;
                    }
                }
                commit(call);
                return;
            }
            armIdle(call);
            emit(call, chunk);
        }

        /** Passes a chunk of the committed stream on, with its upstream bytes if it is unchanged. */
        private void emit(AttemptCall call, ChatChunk chunk) {
            streamListener.chunk(chunk, call.takeChunkWire(chunk));
        }

        /** Commits the stream to the current target and flushes what was held back. */
        private void commit(AttemptCall call) {
            committed = true;
            TargetRuntime t = (TargetRuntime) call.target();
            attempts.add(new AttemptRecord(t.id(), 200, null, (firstTokenAt - attemptStart) / 1_000_000, null, null));
            streamListener.commit(t, Collections.unmodifiableList(attempts), t != first);
            List<ChatChunk> flush = held;
            held = null;
            if (flush != null) {
                flush.forEach(c -> emit(call, c));
            }
            armIdle(call);
        }

        /**
         * Notes a chunk for the idle timeout. One timer serves the whole stream: a chunk only moves
         * {@code lastChunkAt}; when the timer fires it re-arms for what is left, so a 20-chunk
         * answer costs one timer, not twenty cancel-and-schedule pairs.
         */
        private void armIdle(AttemptCall call) {
            lastChunkAt = clock.nanos();
            if (!idleArmed) {
                idleArmed = true;
                scheduleIdleCheck(call, Math.max(1, Math.min(timeouts.idle().toMillis(), (deadline - lastChunkAt) / 1_000_000)));
            }
        }

        private void scheduleIdleCheck(AttemptCall call, long ms) {
            if (timer != null) {
                timer.cancel();
            }
            timer = timers.schedule(ms, () -> {
                timer = null;
                if (call != current || call.cancelled()) {
                    idleArmed = false;
                    return;
                }
                long now = clock.nanos();
                if (call.paused()) {
                    // Held back for a slow client: the upstream's silence is not its fault.
                    lastChunkAt = now;
                }
                long idleLeft = lastChunkAt + timeouts.idle().toNanos() - now;
                long totalLeft = deadline - now;
                if (idleLeft > 0 && totalLeft > 0) {
                    scheduleIdleCheck(call, Math.max(1, Math.min(idleLeft, totalLeft) / 1_000_000));
                    return;
                }
                idleArmed = false;
                ProviderException e = new ProviderException(ErrorKind.TIMEOUT, 0, totalLeft <= 0 ? "total timeout reached"
                        : "no chunk within the idle timeout of " + Units.format(timeouts.idle()));
                call.cancel(e);
                outcomeForTimer.tryFail(e);
            });
        }

        /** Whether the probed stream is fast enough; if not, the attempt fails as degraded. */
        private boolean throughputOk(AttemptCall call) {
            double seconds = Math.max(1e-3, (clock.nanos() - firstTokenAt) / 1e9);
            double rate = probedChars / 4.0 / seconds;
            if (rate >= route.stream().minTokensPerS()) {
                return true;
            }
            ProviderException e = new ProviderException(ErrorKind.DEGRADED, 200, String.format(java.util.Locale.ROOT,
                    "stream throughput %.1f tokens/s is below stream.min_tokens_per_s %s", rate,
                    route.stream().minTokensPerS()));
            call.cancel(e);
            outcomeForTimer.tryFail(e);
            return false;
        }

        private void finished(TargetRuntime t, CircuitBreaker.Grant grant, AttemptCall call, GatewayConfig.Timeouts to,
                              T value, Throwable cause) {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
            t.callEnded();
            current = null;
            if (guarded == call && (cause == null || committed)) {
                releaseGuard();
            }
            long end = clock.nanos();
            long latencyMs = (end - attemptStart) / 1_000_000;
            double ttftMs = firstTokenAt < 0 ? -1 : (firstTokenAt - attemptStart) / 1e6;
            if (cause == null) {
                String gate = qualityGate(route, request, value, firstTokenAt >= 0);
                if (gate != null) {
                    cause = new ProviderException(ErrorKind.DEGRADED, 200, gate);
                }
            }
            if (cause == null) {
                t.breaker().onSuccess(grant);
                t.recordOutcome(true, latencyMs, ttftMs);
                if (streaming && !committed) {
                    // It ended within its probe window, or without any content (an empty answer): it answered.
                    committed = true;
                    attempts.add(new AttemptRecord(t.id(), 200, null, latencyMs, null, null));
                    streamListener.commit(t, Collections.unmodifiableList(attempts), t != first);
                    if (held != null) {
                        held.forEach(c -> emit(call, c));
                        held = null;
                    }
                } else if (!streaming) {
                    attempts.add(new AttemptRecord(t.id(), 200, null, latencyMs, null, null));
                }
                AttemptRecord served = attempts.get(attempts.size() - 1);
                // The answer goes out first (completing the result writes it); the bookkeeping that
                // only shapes later requests follows, in the same event-loop task, off the latency.
                result.tryComplete(new EngineResult<>(value, t, List.copyOf(attempts), t != first, null, call.answer()));
                observe(t, true, null, 200, latencyMs, ttftMs, value);
                listener.attempt(route, t, served);
                return;
            }
            ProviderException e = classify(cause);
            if (abort.aborted()) {
                t.breaker().release(grant);
                failAborted();
                return;
            }
            boolean targetFault = switch (e.kind()) {
                case INVALID_REQUEST, CONTEXT_LENGTH, CONTENT_FILTER, UNSUPPORTED -> false;
                default -> true;
            };
            if (targetFault) {
                t.breaker().onFailure(grant);
                t.recordOutcome(false, latencyMs, -1);
            } else if (e.status() == 0) {
                // Refused by the adapter before anything was sent: the target did nothing, so its
                // breaker, latency and detectors learn nothing from it either.
                t.breaker().release(grant);
            } else {
                t.breaker().onSuccess(grant);
                t.recordOutcome(true, latencyMs, -1);
            }
            if (targetFault || e.status() != 0) {
                observe(t, false, e, e.status(), latencyMs, ttftMs, null);
            }
            lastFailure = e;
            if (committed) {
                // One upstream call, one entry: the committed attempt's record now says how it ended.
                attempts.set(attempts.size() - 1, new AttemptRecord(t.id(), e.status(), e.kind().configName(), latencyMs,
                        null, e.getMessage()));
                listener.attempt(route, t, attempts.get(attempts.size() - 1));
                result.tryComplete(new EngineResult<>(null, t, List.copyOf(attempts), t != first,
                        new EngineResult.Failure(502, "gateway_error", "stream_interrupted",
                                "the stream from '" + t.id() + "' failed after it had started: " + e.getMessage(), 0)));
                return;
            }
            AttemptRecord rec = new AttemptRecord(t.id(), e.status(), e.kind().configName(), latencyMs, null, e.getMessage());
            attempts.add(rec);
            listener.attempt(route, t, rec);
            LOG.debug("attempt {} of {} on {} failed: {}", tries, ctx.requestId(), t.id(), e);

            long delay = retryDelay(e);
            if (delay >= 0) {
                timers.schedule(delay, () -> {
                    if (abort.aborted()) {
                        failAborted();
                    } else {
                        attempt(t);
                    }
                });
                return;
            }
            if (!route.direct() && fallsBack(e)) {
                listener.failover(route, t, e.kind().configName() + (e.status() > 0 ? " " + e.status() : ""));
                next();
                return;
            }
            // No upstream status: the adapter refused to build the request (ProviderAdapter's
            // contract). A client fault, or a feature the one target a direct call names cannot
            // honour, is the client's request at fault, not the upstream: 400, not 502.
            int status = e.status() == 0 && (e.kind().clientFault() || route.direct() && e.kind() == ErrorKind.UNSUPPORTED)
                    ? 400 : e.status();
            if (status >= 400 && status < 500) {
                result.tryComplete(new EngineResult<>(null, t, List.copyOf(attempts), t != first,
                        new EngineResult.Failure(status, errorType(status), e.providerCode() != null
                                ? e.providerCode() : e.kind().configName(), e.getMessage(),
                                e.retryAfter() == null ? 0 : Math.max(1, e.retryAfter().toSeconds()))));
                return;
            }
            // Not worth another target (or a direct call): the request ends with this failure.
            exhausted();
        }

        /** The delay before retrying on the same target, or -1 to move on. */
        private long retryDelay(ProviderException e) {
            GatewayConfig.Retry retry = policy.retry();
            if (tries >= retry.attempts() || !e.kind().retryable()) {
                return -1;
            }
            boolean eligible = e.status() > 0 ? retry.onStatus().contains(e.status())
                    : e.kind() == ErrorKind.TIMEOUT || e.kind() == ErrorKind.CONNECTION;
            if (!eligible) {
                return -1;
            }
            long delay;
            if (e.retryAfter() != null) {
                if (e.retryAfter().compareTo(retry.maxRetryAfter()) > 0) {
                    return -1;
                }
                delay = e.retryAfter().toMillis();
            } else {
                delay = Backoff.delayMs(retry.backoff(), retry.maxBackoff(), tries, random);
            }
            if (clock.nanos() + delay * 1_000_000 >= deadline) {
                return -1;
            }
            return delay;
        }

        private boolean fallsBack(ProviderException e) {
            GatewayConfig.FallbackOn f = policy.fallbackOn();
            // A quality-gate failure always moves on: the gate exists to send such answers elsewhere.
            return e.kind() == ErrorKind.DEGRADED || (e.status() > 0 && e.status() != 200 && f.statuses().contains(e.status()))
                    || f.kinds().contains(e.kind().configName());
        }

        private void exhausted() {
            if (calls() == 0) {
                fail(503, "no_target_available", "no target of route '" + route.name() + "' could be called"
                        + (skips == null ? "" : " (" + String.join("; ", skips) + ")"));
            } else if (onlyRefused()) {
                // Every target refused the request itself (a feature or a form none of them can
                // take): the request is at fault, not the upstreams, and no other target helps.
                String code = lastFailure.providerCode() != null ? lastFailure.providerCode() : lastFailure.kind().configName();
                fail(400, code, "no target of route '" + route.name() + "' can serve this request; last refusal: "
                        + lastFailure.getMessage());
            } else if (lastFailure != null && lastFailure.kind() == ErrorKind.TIMEOUT) {
                fail(504, "upstream_timeout", summary());
            } else {
                fail(502, "all_targets_failed", summary());
            }
        }

        /** Whether every upstream call ended with the target refusing the request as unsupported or invalid. */
        private boolean onlyRefused() {
            if (lastFailure == null) {
                return false;
            }
            for (AttemptRecord a : attempts) {
                if (a.called() && !(ErrorKind.UNSUPPORTED.configName().equals(a.kind())
                        || ErrorKind.INVALID_REQUEST.configName().equals(a.kind()))) {
                    return false;
                }
            }
            return true;
        }

        private String summary() {
            java.util.LinkedHashSet<String> called = new java.util.LinkedHashSet<>();
            for (AttemptRecord a : attempts) {
                if (a.called()) {
                    called.add(a.target());
                }
            }
            String what = route.direct() ? "target '" + route.name() + "' failed"
                    : "all " + called.size() + " target" + (called.size() == 1 ? "" : "s") + " failed for route '"
                    + route.name() + "'";
            return what + (lastFailure == null ? "" : "; last error: " + lastFailure.getMessage());
        }

        private int calls() {
            int n = 0;
            for (AttemptRecord a : attempts) {
                if (a.called()) {
                    n++;
                }
            }
            return n;
        }

        private void fail(int status, String code, String message) {
            result.tryComplete(new EngineResult<>(null, null, List.copyOf(attempts), false,
                    new EngineResult.Failure(status, errorType(status), code, scrubber.scrub(message), 0)));
        }

        private ProviderException classify(Throwable cause) {
            ProviderException e = cause instanceof ProviderException p ? p
                    : new ProviderException(ErrorKind.UNKNOWN, 0, "adapter failed: " + cause);
            String clean = scrubber.scrub(e.getMessage());
            return clean == e.getMessage() ? e : e.withMessage(clean);
        }

        private void observe(TargetRuntime t, boolean success, ProviderException e, int status, long latencyMs,
                             double ttftMs, Object value) {
            if (route.detectors().isEmpty()) {
                return;
            }
            String text = "";
            FinishReason finish = null;
            int out = 0;
            int in = 0;
            if (value instanceof ChatResponse r) {
                text = r.text();
                finish = r.finishReason();
                if (r.usage() != null) {
                    out = r.usage().completionTokens();
                    in = r.usage().promptTokens();
                }
            } else if (streaming && success) {
                text = streamedText == null ? "" : streamedText.toString();
                finish = streamedFinish;
                if (streamedUsage != null) {
                    out = streamedUsage.completionTokens();
                    in = streamedUsage.promptTokens();
                }
            }
            if (out == 0 && !text.isEmpty()) {
                long chars = value instanceof ChatResponse ? text.length() : streamedChars;
                out = (int) Math.min(Integer.MAX_VALUE, Math.max(1, chars / 4));
            }
            boolean json = request instanceof ChatRequest c && c.wantsJson();
            AttemptObservation o = new AttemptObservation(t, clock.nanos(), success, e == null ? null : e.kind(), status,
                    latencyMs, ttftMs, in, out, text, finish, json, streaming, ctx.requestId());
            for (QualityDetector d : route.detectors()) {
                try {
                    Signal s = d.observe(o);
                    if (s != null && s.targetId().equals(t.id())) {
                        t.signal(s);
                    }
                } catch (RuntimeException ex) {
                    LOG.warn("detector failed on route '{}'", route.name(), ex);
                }
            }
        }
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
