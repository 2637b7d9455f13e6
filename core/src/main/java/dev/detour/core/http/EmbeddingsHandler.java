package dev.detour.core.http;

import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.cache.CacheCall;
import dev.detour.core.cache.RouteCache;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.http.HttpServerResponse;

/** {@code POST /v1/embeddings}: OpenAI embeddings through the failover engine, in the encoding asked for. */
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
        RouteCache rc = gateway.cache(a.route());
        if (rc == null) {
            serve(ex, a, null);
            return;
        }
        EmbeddingRequest req = a.request();
        answers.lookup(ex, a.route(), rc, ErrorStyle.OPENAI, c -> c.lookup(req),
                found -> answers.embeddings(ex, found, req.encodingFormat()), c -> serve(ex, a, c));
    }

    /** The request through the engine; with a cache, the answer is stored, or a stale one replaces a failure. */
    private void serve(Exchange ex, ApiAdmission.Admitted<EmbeddingRequest> a, CacheCall cache) {
        EmbeddingRequest request = a.request();
        RouteRuntime route = a.route();
        long start = a.start();
        HttpServerResponse resp = ex.response;
        gateway.engine().embed(route, request, admission.context(ex, route, false, "openai"), a.abort())
                .onComplete(ar -> {
            EngineResult<EmbeddingResponse> r = ar.result();
            if (r.failure() != null) {
                if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                        found -> answers.embeddings(ex, found, request.encodingFormat()), () -> responder.failed(resp, r))) {
                    return;
                }
                responder.failed(resp, r);
            } else {
                Responder.successHeaders(resp, r.target(), r.calls(), r.failover());
                responder.json(resp, 200, OpenAiJson.writeEmbeddingResponse(r.value(), request.encodingFormat()));
                if (cache != null) {
                    cache.store(request, r.value(), r.target().id());
                }
            }
            responder.done(route, resp, start);
        });
    }
}
