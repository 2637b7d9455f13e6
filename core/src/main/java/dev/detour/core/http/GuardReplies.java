package dev.detour.core.http;

import dev.detour.core.guard.RequestGuard;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * The API endpoints' side of guardrails: a request refused before routing answered in the shape
 * of the API that was called, and {@code x-detour-guardrails} on what a guardrail changed.
 */
final class GuardReplies {
    static final CharSequence GUARDRAILS = HttpHeaders.createOptimized("x-detour-guardrails");

    private GuardReplies() {
    }

    /**
     * Answers a request the input guardrails did not let through: 400 {@code guardrail_denied}
     * naming the guardrail and its reason, or 500 {@code guardrail_error} when one failed to judge
     * (it fails closed). Never the judged text.
     */
    static void refused(Responder responder, Exchange ex, ErrorStyle style, RequestGuard guard, Throwable cause) {
        header(ex.response, guard);
        if (cause instanceof RequestGuard.Refusal r) {
            responder.error(ex.response, style, r.status(), r.type(), r.code(), r.getMessage(), null, null);
        } else {
            responder.error(ex.response, style, 500, "gateway_error", RequestGuard.FAILED,
                    "a guardrail failed to judge the request (" + cause.getClass().getSimpleName() + ")", null, null);
        }
    }

    /** Names what the guardrails changed so far, if anything. */
    static void header(HttpServerResponse resp, RequestGuard guard) {
        String changed = guard == null ? null : guard.header();
        if (changed != null && !resp.headWritten()) {
            resp.putHeader(GUARDRAILS, changed);
        }
    }
}
