package dev.detour.api.guardrail;

import dev.detour.api.view.RequestContext;

/**
 * Inspects or transforms a request before routing and its answer before it returns. Configured
 * guardrails run in their order; a denied request reaches no target.
 */
public interface Guardrail {
    /**
     * Opens this guardrail's check of one request: the object that sees the request and then its
     * answer, and may keep state between the two for this request only (e.g. the placeholders of a
     * redaction, to restore them in the answer). Called once per request, on the event loop; must be
     * cheap and must not block.
     */
    GuardrailCheck open(RequestContext context);
}
