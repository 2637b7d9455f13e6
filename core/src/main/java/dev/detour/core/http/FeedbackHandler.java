package dev.detour.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.detour.api.detector.Feedback;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.config.GatewayConfig;
import dev.detour.wire.http.WireFormatException;
import io.vertx.core.http.HttpServerResponse;

/**
 * {@code POST /v1/feedback}: a user's score for the target that served a request, passed to the
 * route's detectors. A request gets one feedback, and only from the key that made it.
 */
final class FeedbackHandler {
    private final Gateway gateway;
    private final ApiAdmission admission;
    private final Responder responder;

    FeedbackHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
    }

    void handle(Exchange ex) {
        RequestIds.assign(ex);
        GatewayConfig.Key key = admission.key(ex, ErrorStyle.OPENAI);
        if (key == null && admission.keysRequired()) {
            return;
        }
        HttpServerResponse resp = ex.response;
        JsonNode body;
        try {
            body = Admission.parseJson(ex.body);
        } catch (WireFormatException e) {
            responder.error(resp, 400, "invalid_request_error", "invalid_request", e.getMessage(), e.field(), null);
            return;
        }
        JsonNode id = body.get("request_id");
        JsonNode score = body.get("score");
        JsonNode comment = body.get("comment");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            responder.error(resp, 400, "invalid_request_error", "invalid_request",
                    "request_id: is required and must be a string", "request_id", null);
            return;
        }
        if (score == null || !score.isNumber() || score.asDouble() < -1 || score.asDouble() > 1) {
            responder.error(resp, 400, "invalid_request_error", "invalid_request",
                    "score: is required and must be a number from -1 to 1", "score", null);
            return;
        }
        if (comment != null && !comment.isNull() && !comment.isTextual()) {
            responder.error(resp, 400, "invalid_request_error", "invalid_request", "comment: must be a string",
                    "comment", null);
            return;
        }
        Gateway.FeedbackClaim claim = gateway.claimFeedback(id.asText(), key == null ? null : key.name());
        Gateway.Served s = claim.served();
        if (s == null) {
            responder.error(resp, 404, "not_found_error", "request_not_found", "no request with this id was served "
                    + "to this key (the most recent 10000 are kept)", "request_id", null);
            return;
        }
        if (claim.already()) {
            responder.error(resp, 409, "invalid_request_error", "feedback_exists", "feedback for this request was "
                    + "already counted; a request gets one", "request_id", null);
            return;
        }
        Feedback fb = new Feedback(s.target(), id.asText(), score.asDouble(),
                comment == null || comment.isNull() ? null : comment.asText(), gateway.clock().nanos());
        for (QualityDetector d : s.route().detectors()) {
            Signal sig = d.feedback(fb);
            if (sig != null && sig.targetId().equals(s.target().id())) {
                s.target().signal(sig);
            }
        }
        responder.json(resp, 202, JsonNodeFactory.instance.objectNode().put("status", "accepted")
                .put("request_id", id.asText()).put("target", s.target().id()));
    }
}
