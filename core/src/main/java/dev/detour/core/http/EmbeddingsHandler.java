package dev.detour.core.http;

import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.provider.WireBody;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.failover.EngineResult;
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
        HttpServerResponse resp = ex.response;
        gateway.engine().embed(route, request, admission.context(ex, route, false, "openai"), a.abort())
                .onComplete(ar -> {
            EngineResult<EmbeddingResponse> r = ar.result();
            if (r.failure() != null) {
                responder.failed(resp, r);
            } else {
                Responder.successHeaders(resp, r.target(), r.calls(), r.failover());
                if (r.wire() != null && r.wire().is(WireBody.OPENAI)) {
                    // Already in the client's encoding: the upstream's own bytes, floats not re-rounded.
                    resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, Responder.APPLICATION_JSON)
                            .end(Buffer.buffer(responder.scrubber.scrub(r.wire().bytes())));
                } else {
                    responder.json(resp, 200, OpenAiJson.writeEmbeddingResponse(r.value(), request.encodingFormat()));
                }
            }
            responder.done(route, resp, start);
        });
    }
}
