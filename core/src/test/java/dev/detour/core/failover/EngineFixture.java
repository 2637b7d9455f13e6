package dev.detour.core.failover;

import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.view.RequestContext;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.envelope.EnvelopeGuard;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The real engine on a manual clock and scheduler, with two targets ({@code a/m}, {@code b/m})
 * whose adapters answer only when the test says so. No Vert.x instance, no real time: futures
 * complete on the test's thread, timers fire as the test advances the clock.
 */
final class EngineFixture {
    /** A breaker that never opens in these tests: they are about one request's way. */
    static final GatewayConfig.Breaker LENIENT = new GatewayConfig.Breaker(1.0, 1000, Duration.ofSeconds(30),
            Duration.ofSeconds(30));
    static final GatewayConfig.Degradation STEADY = new GatewayConfig.Degradation(false, 0, Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    static final ChatRequest REQUEST = ChatRequest.builder("m", List.of(Message.text("user", "hello"))).build();

    final ManualClock clock = new ManualClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final TargetRuntime a = Targets.target("a", "m", clock, LENIENT, STEADY, HealthEvents.NONE);
    final TargetRuntime b = Targets.target("b", "m", clock, LENIENT, STEADY, HealthEvents.NONE);
    /** A third target, planned only by tests that set {@link #targets}. */
    final TargetRuntime c = Targets.target("c", "m", clock, LENIENT, STEADY, HealthEvents.NONE);
    final FakeAdapter adapterA = new FakeAdapter();
    final FakeAdapter adapterB = new FakeAdapter();
    final FakeAdapter adapterC = new FakeAdapter();
    final ScriptedRandom random = new ScriptedRandom();
    final FailoverEngine engine = new FailoverEngine(Map.of("a", adapterA, "b", adapterB, "c", adapterC),
            new EnvelopeGuard(GatewayConfig.Envelope.OPEN), new Scrubber(Set.of()), scheduler, clock, random,
            EngineListener.NONE);
    final AbortSignal abort = new AbortSignal();

    GatewayConfig.Retry retry = new GatewayConfig.Retry(1, Duration.ofMillis(200), Duration.ofSeconds(2),
            Set.of(429, 500, 502, 503, 504), Duration.ofSeconds(5));
    GatewayConfig.Timeouts timeouts = GatewayConfig.Timeouts.NONE;
    GatewayConfig.StreamPolicy stream = GatewayConfig.StreamPolicy.DEFAULTS;
    List<TargetRuntime> targets = List.of(a, b);
    /** The route's hedging (kept across requests, as a route keeps it), or null. */
    Hedging hedging;
    GatewayConfig.Degradation degradation = STEADY;
    List<dev.detour.api.detector.QualityDetector> detectors = List.of();
    Set<String> qualityGate = Set.of();

    RouteRuntime route() {
        GatewayConfig.Policy policy = new GatewayConfig.Policy(retry, GatewayConfig.FallbackOn.DEFAULTS, LENIENT, timeouts);
        return new RouteRuntime("r", "priority", (req, c) -> c, targets, policy, Map.of(), detectors, qualityGate,
                degradation, stream, false, hedging);
    }

    Future<EngineResult<ChatResponse>> chat() {
        return engine.chat(route(), REQUEST, context(false), abort);
    }

    Future<EngineResult<Void>> stream(Client client) {
        return engine.stream(route(), REQUEST, context(true), abort, client);
    }

    static RequestContext context(boolean stream) {
        return new RequestContext("req-1", "r", null, null, null, null, null, stream, "openai");
    }

    static ChatResponse answer(String text) {
        return new ChatResponse("id", "m", 0, List.of(new Choice(0, Message.text("assistant", text), FinishReason.STOP)),
                null, null);
    }

    static ChatChunk content(String text) {
        return ChatChunk.text("id", "m", 0, text);
    }

    static ChatChunk roleOnly() {
        return new ChatChunk("id", "m", 0, 0, "assistant", null, null, List.of(), null, null, null);
    }

    /** An adapter whose calls wait for the test to answer them. */
    static final class FakeAdapter implements ProviderAdapter {
        final List<Pending<?>> calls = new ArrayList<>();

        @Override
        public Future<ChatResponse> chat(ChatRequest request, Call call) {
            Pending<ChatResponse> p = new Pending<>(call, null);
            calls.add(p);
            return p.promise.future();
        }

        @Override
        public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
            Pending<Void> p = new Pending<>(call, sink);
            p.request = request;
            calls.add(p);
            return p.promise.future();
        }

        @SuppressWarnings("unchecked")
        <T> Pending<T> last() {
            return (Pending<T>) calls.get(calls.size() - 1);
        }
    }

    /** One call in flight at a fake adapter. */
    static final class Pending<T> {
        final Call call;
        final ChunkSink sink;
        final Promise<T> promise = Promise.promise();
        ProviderException cancelledWith;
        /** The request a stream call was made with. */
        ChatRequest request;

        Pending(Call call, ChunkSink sink) {
            this.call = call;
            this.sink = sink;
            call.onCancel(e -> cancelledWith = e);
        }

        void succeed(T value) {
            promise.complete(value);
        }

        void fail(ProviderException e) {
            promise.fail(e);
        }

        void send(ChatChunk chunk) {
            sink.next(chunk);
        }
    }

    /** The client's side of a stream: what reached it, in order. */
    static final class Client implements StreamListener {
        final List<String> events = new ArrayList<>();
        final List<ChatChunk> chunks = new ArrayList<>();
        final List<Resumption> resumptions = new ArrayList<>();
        TargetRuntime committedTo;
        boolean failover;

        @Override
        public void resumed(TargetRuntime target, List<AttemptRecord> attempts, Resumption resumption) {
            resumptions.add(resumption);
            events.add("resumed " + target.id());
        }

        @Override
        public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
            committedTo = target;
            this.failover = failover;
            events.add("commit " + target.id());
        }

        @Override
        public void chunk(ChatChunk chunk) {
            chunks.add(chunk);
            events.add(chunk.text() == null ? "(" + chunk.role() + ")" : chunk.text());
        }
    }

    /**
     * Jitter the test controls: each bounded draw is recorded and answered with the next scripted
     * value (the bound's top when none is scripted).
     */
    static final class ScriptedRandom implements RandomGenerator {
        final List<Long> bounds = new ArrayList<>();
        final List<Long> script = new ArrayList<>();

        @Override
        public long nextLong() {
            throw new AssertionError("the engine draws bounded values only");
        }

        /** The probes' draw: 0, so a demoted target due by {@code probe_share} is always probed. */
        @Override
        public double nextDouble() {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            bounds.add(bound);
            return script.isEmpty() ? bound - 1 : script.remove(0);
        }
    }
}
