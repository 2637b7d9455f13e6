package dev.detour.core.http;

import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.provider.WireBody;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.api.view.RequestContext;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.cache.CacheCall;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.guard.RequestGuard;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * {@code POST /v1/embeddings}: OpenAI embeddings through the failover engine, in the encoding asked
 * for. An OpenAI-compatible upstream's answer in that encoding is forwarded as it came (the same
 * float text, base64 untouched); any other is written from its float32 vectors.
 */
final class EmbeddingsHandler {
    private final Gateway gateway;
    private final ApiAdmission admission;
    private final Responder responder;
    private final CachedAnswers answers;

    EmbeddingsHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
        this.answers = new CachedAnswers(gateway, responder);
    }

    void handle(Exchange ex) {
        ApiAdmission.Admitted<EmbeddingRequest> a = admission.admit(ex, ErrorStyle.OPENAI,
                body -> OpenAiJson.parseEmbeddingRequest(Admission.parseJson(body)), EmbeddingRequest::model);
        if (a == null) {
            return;
        }
        RequestContext ctx = admission.context(ex, a.route(), false, "openai");
        answers.beforeEngine(ex, a, ErrorStyle.OPENAI, ctx, (g, r) -> g.input(r), (c, r) -> c.lookup(r),
                (found, r) -> answers.embeddings(ex, found, r.encodingFormat()),
                (r, g, c) -> serve(ex, a.route(), r, ctx, a.abort(), a.start(), g, c));
    }

    /** The request through the engine; with a cache, the answer is stored, or a stale one replaces a failure. */
    private void serve(Exchange ex, RouteRuntime route, EmbeddingRequest request, RequestContext ctx,
                       AbortSignal abort, long start, RequestGuard guard, CacheCall cache) {
        HttpServerResponse resp = ex.response;
        gateway.engine().embed(route, request, ctx, abort, guard).onComplete(ar -> {
            EngineResult<EmbeddingResponse> r = ar.result();
            GuardReplies.header(resp, guard);
            if (r.failure() != null) {
                if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                        found -> answers.embeddings(ex, found, request.encodingFormat()), () -> responder.failed(resp, r))) {
                    return;
                }
                responder.failed(resp, r);
            } else {
                Responder.successHeaders(resp, r);
                responder.priced(ex, route, r.target(), r.value().usage());
                if (r.wire() != null && r.wire().is(WireBody.OPENAI)) {
                    // Already in the client's encoding: the upstream's own bytes, floats not re-rounded.
                    resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, Responder.APPLICATION_JSON)
                            .end(Buffer.buffer(responder.scrubber.scrub(r.wire().bytes())));
                } else {
                    responder.json(resp, 200, OpenAiJson.writeEmbeddingResponse(r.value(), request.encodingFormat()));
                }
                if (cache != null && RequestGuard.unchanged(guard)) {
                    cache.store(request, r.value(), r.target().id());
                }
            }
            responder.done(route, resp, start);
        });
    }
}
