package dev.detour.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.view.RequestContext;
import dev.detour.core.Gateway;
import dev.detour.core.cache.CacheCall;
import dev.detour.core.cache.StreamRecorder;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.Resumption;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.StreamListener;
import dev.detour.core.guard.RequestGuard;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A chat request through the failover engine for an API that is not OpenAI's Chat Completions
 * (Anthropic Messages, OpenAI Responses): the engine's canonical answers and chunks are written in
 * the API's own shape by a {@link Shape}, and everything else is the same for every such API: the
 * success headers, the stale answer from the cache when every target failed, the cache store of a
 * whole answer (canonical, so it serves every API), a stream committed at its first content and its
 * failure after commit written in-band by the shape (never a silent cut), and a stream resumed on
 * another target reported on its closing events.
 */
final class TranslatedChat {

    /** How one API writes what the engine produced. */
    interface Shape {
        /** The error body shape of the API. */
        ErrorStyle style();

        /** A whole answer's body; {@code model} is the serving target's. */
        JsonNode whole(ChatResponse r, String model);

        /** An answer from the cache, whole or streamed ({@link CachedAnswers}). */
        void cached(Exchange ex, CachedResponse<ChatResponse> found, boolean stream);

        /** The encoder of one committed stream; {@code model} is the serving target's. */
        Encoder encoder(String model);
    }

    /** Encodes one stream's events; one per stream, used on its event loop. */
    interface Encoder {
        /** The events for the next chunk (empty when it carries nothing to send). */
        Buffer chunk(ChatChunk c);

        /** The closing events of a stream that ended well, with {@code extensions} on its last event (or null). */
        Buffer finish(Map<String, ? extends JsonNode> extensions);

        /** The in-band events of a stream that failed after its commit. */
        Buffer failed(EngineResult.Failure failure, List<AttemptRecord> attempts);
    }

    private final Gateway gateway;
    private final Responder responder;
    private final CachedAnswers answers;

    TranslatedChat(Gateway gateway, Responder responder, CachedAnswers answers) {
        this.gateway = gateway;
        this.responder = responder;
        this.answers = answers;
    }

    /**
     * Serves {@code request} (whole or streamed, as it asks) in {@code shape}. With a cache
     * ({@code cache}, else null) a whole answer is stored once sent, and a failure of every target
     * may be answered with a stale one.
     */
    void serve(Exchange ex, RouteRuntime route, ChatRequest request, RequestContext ctx, AbortSignal abort, long start,
               RequestGuard guard, CacheCall cache, Shape shape) {
        if (request.stream()) {
            stream(ex, route, request, ctx, abort, start, guard, cache, shape);
            return;
        }
        HttpServerResponse resp = ex.response;
        gateway.engine().chat(route, request, null, ctx, abort, guard).onComplete(ar -> {
            EngineResult<ChatResponse> r = ar.result();
            GuardReplies.header(resp, guard);
            if (r.failure() != null) {
                if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                        found -> shape.cached(ex, found, false), () -> responder.failed(resp, r, shape.style()))) {
                    return;
                }
                responder.failed(resp, r, shape.style());
            } else {
                Responder.successHeaders(resp, r);
                responder.priced(ex, route, r.target(), r.value().usage());
                // Before the answer ends: its end writes the access-log line, which reads the usage.
                responder.answered(ex, route, r);
                responder.json(resp, 200, shape.whole(r.value(), r.target().model()));
                if (cache != null && RequestGuard.unchanged(guard)) {
                    cache.store(request, r.value().withModel(r.target().model()), r.target().id());
                }
            }
            responder.done(route, resp, start);
        });
    }

    private void stream(Exchange ex, RouteRuntime route, ChatRequest request, RequestContext ctx, AbortSignal abort,
                        long start, RequestGuard guard, CacheCall cache, Shape shape) {
        HttpServerResponse resp = ex.response;
        SseWriter out = new SseWriter(resp, responder.scrubber, abort);
        StreamRecorder recorder = cache != null && cache.stores() ? new StreamRecorder() : null;
        Encoder[] encoder = {null};
        List<Resumption> resumed = new ArrayList<>(0);
        gateway.engine().stream(route, request, null, ctx, abort, new StreamListener() {
            @Override
            public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
                GuardReplies.header(resp, guard);
                responder.streamCommitted(ex, route, target, attempts, failover);
                encoder[0] = shape.encoder(target.model());
            }

            @Override
            public void resumed(TargetRuntime target, List<AttemptRecord> attempts, Resumption resumption) {
                // The same encoder goes on: the continuation is more of the same answer.
                ex.serving = target;
                responder.streamResumed(ex, route, resumption);
                resumed.add(resumption);
            }

            @Override
            public void chunk(ChatChunk c) {
                if (c.usage() != null) {
                    responder.streamUsage(ex, route, c.usage());
                }
                if (resp.closed() || encoder[0] == null) {
                    return;
                }
                if (recorder != null) {
                    recorder.add(c);
                }
                out.write(encoder[0].chunk(c));
            }
        }, guard).onComplete(ar -> {
            EngineResult<Void> r = ar.result();
            if (r.failure() != null && !resp.headWritten()) {
                GuardReplies.header(resp, guard);
                if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                        found -> shape.cached(ex, found, true), () -> responder.failed(resp, r, shape.style()))) {
                    return;
                }
                responder.failed(resp, r, shape.style());
            } else if (!resp.closed()) {
                Encoder enc = encoder[0] != null ? encoder[0]
                        : shape.encoder(r.target() == null ? request.model() : r.target().model());
                out.end(r.failure() != null ? enc.failed(r.failure(), r.attempts())
                        : enc.finish(resumed.isEmpty() ? null : Map.of(Resumption.FIELD, Resumption.extension(resumed))));
            }
            if (recorder != null && r.failure() == null && RequestGuard.unchanged(guard)) {
                // Only a stream that ended well: a cut one is never stored.
                ChatResponse whole = recorder.response();
                cache.store(request, whole == null ? null : whole.withModel(r.target().model()), r.target().id());
            }
            responder.done(route, resp, start);
        });
    }
}
