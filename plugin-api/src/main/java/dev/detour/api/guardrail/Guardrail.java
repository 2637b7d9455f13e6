package dev.detour.api.guardrail;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.view.RequestContext;
import io.vertx.core.Future;

/**
 * Inspects or transforms a request before routing and a response before it returns. Called on
 * the event loop; must not block.
 */
public interface Guardrail {

    /** Judges the request before any target is chosen. */
    default Future<GuardrailVerdict> beforeRequest(ChatRequest request, RequestContext context) {
        return Future.succeededFuture(GuardrailVerdict.allow());
    }

    /** Judges a whole answer before it is returned (non-streamed answers). */
    default Future<GuardrailVerdict> afterResponse(ChatResponse response, RequestContext context) {
        return Future.succeededFuture(GuardrailVerdict.allow());
    }
}
