package dev.detour.core.http;

import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.api.view.RequestContext;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.guard.RequestGuard;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.http.HttpServerResponse;

/** {@code POST /v1/embeddings}: OpenAI embeddings through the failover engine, in the encoding asked for. */
final class EmbeddingsHandler {
    private final Gateway gateway;
    private final ApiAdmission admission;
    private final Responder responder;

    EmbeddingsHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
    }

    void handle(Exchange ex) {
        ApiAdmission.Admitted<EmbeddingRequest> a = admission.admit(ex, ErrorStyle.OPENAI,
                body -> OpenAiJson.parseEmbeddingRequest(Admission.parseJson(body)), EmbeddingRequest::model);
        if (a == null) {
            return;
        }
        EmbeddingRequest request = a.request();
        RouteRuntime route = a.route();
        long start = a.start();
        RequestContext ctx = admission.context(ex, route, false, "openai");
        RequestGuard guard = gateway.guard(route, ctx);
        if (guard == null) {
            serve(ex, route, request, ctx, a.abort(), start, null);
            return;
        }
        guard.input(request).onComplete(ar -> {
            if (ar.failed()) {
                GuardReplies.refused(responder, ex, ErrorStyle.OPENAI, guard, ar.cause());
                responder.done(route, ex.response, start);
            } else {
                serve(ex, route, ar.result(), ctx, a.abort(), start, guard);
            }
        });
    }

    private void serve(Exchange ex, RouteRuntime route, EmbeddingRequest request, RequestContext ctx,
                       AbortSignal abort, long start, RequestGuard guard) {
        HttpServerResponse resp = ex.response;
        gateway.engine().embed(route, request, ctx, abort, guard).onComplete(ar -> {
            EngineResult<EmbeddingResponse> r = ar.result();
            GuardReplies.header(resp, guard);
            if (r.failure() != null) {
                responder.failed(resp, r);
            } else {
                Responder.successHeaders(resp, r);
                responder.json(resp, 200, OpenAiJson.writeEmbeddingResponse(r.value(), request.encodingFormat()));
            }
            responder.done(route, resp, start);
        });
    }
}
