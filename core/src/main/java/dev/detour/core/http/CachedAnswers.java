package dev.detour.core.http;

import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import dev.detour.api.view.RequestContext;
import dev.detour.core.guard.RequestGuard;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Refused;
import dev.detour.core.cache.CacheCall;
import dev.detour.core.cache.Replay;
import dev.detour.core.cache.RouteCache;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.wire.anthropic.AnthropicCodec;
import dev.detour.wire.anthropic.AnthropicStreamEncoder;
import dev.detour.wire.openai.OpenAiJson;
import dev.detour.wire.responses.ResponsesCodec;
import dev.detour.wire.responses.ResponsesRequest;
import dev.detour.wire.responses.ResponsesStreamEncoder;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The cache as the API endpoints meet it: the lookup after admission (and input guardrails),
 * before routing; answers from the cache in the shape of the API that was called, whole or as a
 * stream; and the stale answer that replaces a failure when every target failed. A hit makes no
 * upstream call and touches no target's health or limits; it was counted for the key's
 * {@code limits.rpm} at admission.
 */
final class CachedAnswers {
    /** {@code x-detour-cache}: the client's directives on the request, what the cache did on the answer. */
    static final CharSequence CACHE = HttpHeaders.createOptimized("x-detour-cache");
    private static final CharSequence HIT = HttpHeaders.createOptimized(CacheCall.HIT);
    private static final CharSequence MISS = HttpHeaders.createOptimized(CacheCall.MISS);
    private static final CharSequence STALE = HttpHeaders.createOptimized(CacheCall.STALE);
    private static final CharSequence ZERO = HttpHeaders.createOptimized("0");
    private static final CharSequence WARNING = HttpHeaders.createOptimized("warning");
    /** RFC 7234's warning for a stale answer, naming why it was served. */
    private static final CharSequence STALE_WARNING = HttpHeaders.createOptimized(
            "110 detour \"Response is Stale: every target failed\"");

    private final Gateway gateway;
    private final Responder responder;

    CachedAnswers(Gateway gateway, Responder responder) {
        this.gateway = gateway;
        this.responder = responder;
    }

    /** The rest of a request once its input guardrails and the cache have had their say. */
    @FunctionalInterface
    interface Next<Q> {
        /**
         * @param request the request as the targets get it (a guardrail may have replaced it)
         * @param guard   its guardrails, or null when the route has none
         * @param cache   its cache call (a miss), or null when the route has no cache
         */
        void serve(Q request, RequestGuard guard, CacheCall cache);
    }

    /**
     * What every API endpoint does between admission and the engine: the route's input guardrails
     * (a denial answered in {@code style}), then the cache lookup on the request as the targets
     * would get it (a hit answered by {@code hit}), then {@code next}.
     *
     * @param input how a guardrail judges this endpoint's request
     * @param find  this endpoint's lookup
     */
    <Q, R> void beforeEngine(Exchange ex, ApiAdmission.Admitted<Q> a, ErrorStyle style, RequestContext ctx,
                             BiFunction<RequestGuard, Q, Future<Q>> input,
                             BiFunction<CacheCall, Q, Future<CachedResponse<R>>> find,
                             BiConsumer<CachedResponse<R>, Q> hit, Next<Q> next) {
        RequestGuard guard = gateway.guard(a.route(), ctx);
        if (guard == null) {
            cached(ex, a, style, a.request(), null, find, hit, next);
            return;
        }
        input.apply(guard, a.request()).onComplete(ar -> {
            if (ar.failed()) {
                GuardReplies.refused(responder, ex, style, guard, ar.cause());
                responder.done(a.route(), ex.response, a.start());
            } else {
                cached(ex, a, style, ar.result(), guard, find, hit, next);
            }
        });
    }

    private <Q, R> void cached(Exchange ex, ApiAdmission.Admitted<Q> a, ErrorStyle style, Q request, RequestGuard guard,
                               BiFunction<CacheCall, Q, Future<CachedResponse<R>>> find,
                               BiConsumer<CachedResponse<R>, Q> hit, Next<Q> next) {
        RouteCache rc = gateway.cache(a.route());
        if (rc == null) {
            next.serve(request, guard, null);
            return;
        }
        lookup(ex, a.route(), rc, style, c -> find.apply(c, request), found -> hit.accept(found, request),
                c -> next.serve(request, guard, c));
    }

    /** Serves an answer found in the cache. */
    @FunctionalInterface
    interface Serve<R> {
        void serve(CachedResponse<R> found);
    }

    /**
     * Looks the request up in its route's cache {@code rc}: a hit is served by {@code hit} (then
     * the request is done), anything else goes on to {@code miss} with the request's
     * {@link CacheCall}. A wrong {@code x-detour-cache} is refused in {@code style}.
     */
    <R> void lookup(Exchange ex, RouteRuntime route, RouteCache rc, ErrorStyle style,
                    Function<CacheCall, Future<CachedResponse<R>>> find, Serve<R> hit, Consumer<CacheCall> miss) {
        CacheCall call;
        try {
            call = rc.call(ex.keyName, ex.request.getHeader(CACHE), ex.request.getHeader(HttpHeaders.CACHE_CONTROL));
        } catch (Refused r) {
            responder.refuse(ex.response, style, r);
            return;
        }
        find.apply(call).onComplete(ar -> {
            if (ex.response.closed()) {
                return;
            }
            CachedResponse<R> found = ar.result();
            if (found != null) {
                ex.response.putHeader(CACHE, HIT);
                hit.serve(found);
                responder.done(route, ex.response, ex.start);
            } else {
                ex.response.putHeader(CACHE, MISS);
                miss.accept(call);
            }
        });
    }

    /**
     * Answers a failure with a stored answer when the cache has one and the failure allows it
     * ({@link CacheCall#mayServeStale}), else with the failure; then the request is done.
     *
     * @return false, doing nothing, when no stale answer may be looked for (the caller answers the failure)
     */
    <R> boolean stale(Exchange ex, RouteRuntime route, CacheCall call, EngineResult<?> r,
                      Function<CacheCall, Future<CachedResponse<R>>> find, Serve<R> serve, Runnable fail) {
        if (call == null || !call.mayServeStale(r.failure())) {
            return false;
        }
        find.apply(call).onComplete(ar -> {
            if (ex.response.closed()) {
                return;
            }
            CachedResponse<R> found = ar.result();
            if (found != null) {
                // The calls that failed were made: the count says so.
                ex.response.putHeader(CACHE, STALE).putHeader(WARNING, STALE_WARNING)
                        .putHeader(Responder.ATTEMPTS, Integer.toString(r.calls()));
                serve.serve(found);
            } else {
                fail.run();
            }
            responder.done(route, ex.response, ex.start);
        });
        return true;
    }

    /**
     * Headers of an answer from the cache: who produced it, and (unless a stale answer already
     * counted the failed calls) that no upstream call was made for it.
     */
    private static void headers(HttpServerResponse resp, CachedResponse<?> found) {
        if (found.target() != null) {
            resp.putHeader(Responder.TARGET, found.target());
        }
        if (!resp.headers().contains(Responder.ATTEMPTS)) {
            resp.putHeader(Responder.ATTEMPTS, ZERO);
        }
    }

    /** A chat completion from the cache, whole or as an OpenAI stream (usage only when asked for). */
    void chat(Exchange ex, CachedResponse<ChatResponse> found, boolean stream, boolean includeUsage) {
        HttpServerResponse resp = ex.response;
        headers(resp, found);
        if (!stream) {
            responder.json(resp, 200, OpenAiJson.writeResponse(found.response()));
            return;
        }
        SseWriter out = startStream(ex);
        for (ChatChunk c : Replay.chunks(found.response(), false, includeUsage)) {
            out.add(c, null);
        }
        out.end();
    }

    /** A message from the cache, whole or as Anthropic's stream events (with usage). */
    void message(Exchange ex, CachedResponse<ChatResponse> found, boolean stream) {
        HttpServerResponse resp = ex.response;
        headers(resp, found);
        ChatResponse r = found.response();
        if (!stream) {
            responder.json(resp, 200, AnthropicCodec.writeResponse(r, null));
            return;
        }
        SseWriter out = startStream(ex);
        AnthropicStreamEncoder encoder = new AnthropicStreamEncoder(r.model());
        for (ChatChunk c : Replay.chunks(r, true, true)) {
            out.write(encoder.chunk(c));
        }
        out.end(encoder.finish());
    }

    /** A Response from the cache for {@code request}, whole or as the Responses event stream (with usage). */
    void response(Exchange ex, CachedResponse<ChatResponse> found, ResponsesRequest request, boolean stream) {
        HttpServerResponse resp = ex.response;
        headers(resp, found);
        ChatResponse r = found.response();
        String id = ResponsesCodec.newId();
        if (!stream) {
            responder.json(resp, 200, ResponsesCodec.writeResponse(r, request, id, null));
            return;
        }
        SseWriter out = startStream(ex);
        ResponsesStreamEncoder encoder = new ResponsesStreamEncoder(request, id, r.created(), r.model());
        for (ChatChunk c : Replay.chunks(r, true, true)) {
            out.write(encoder.chunk(c));
        }
        out.end(encoder.finish());
    }

    /** Embeddings from the cache, in the encoding asked for. */
    void embeddings(Exchange ex, CachedResponse<EmbeddingResponse> found, String encodingFormat) {
        headers(ex.response, found);
        responder.json(ex.response, 200, OpenAiJson.writeEmbeddingResponse(found.response(), encodingFormat));
    }

    private SseWriter startStream(Exchange ex) {
        ex.response.setStatusCode(200).setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
        return new SseWriter(ex.response, responder.scrubber, ex.abort);
    }
}
