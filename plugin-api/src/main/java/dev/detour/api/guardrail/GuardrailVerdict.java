package dev.detour.api.guardrail;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;

import java.util.Set;

/**
 * A guardrail's decision.
 *
 * @param allowed        false to deny the request (the client gets 400 {@code guardrail_denied})
 * @param reason         why it was denied or changed, for the client and the log
 * @param request        a replacement request (redaction), or null to keep it
 * @param response       a replacement response, or null to keep it
 * @param allowedTargets target ids this request may still use (narrowing), or null for no narrowing
 */
public record GuardrailVerdict(boolean allowed, String reason, ChatRequest request, ChatResponse response,
                               Set<String> allowedTargets) {

    private static final GuardrailVerdict ALLOW = new GuardrailVerdict(true, null, null, null, null);

    /** Let it pass unchanged. */
    public static GuardrailVerdict allow() {
        return ALLOW;
    }

    /** Refuse the request. */
    public static GuardrailVerdict deny(String reason) {
        return new GuardrailVerdict(false, reason, null, null, null);
    }

    /** Continue with a changed request. */
    public static GuardrailVerdict rewrite(ChatRequest request, String reason) {
        return new GuardrailVerdict(true, reason, request, null, null);
    }

    /** Continue with a changed response. */
    public static GuardrailVerdict rewrite(ChatResponse response, String reason) {
        return new GuardrailVerdict(true, reason, null, response, null);
    }

    /** Continue, but only on these targets. */
    public static GuardrailVerdict narrow(Set<String> targetIds, String reason) {
        return new GuardrailVerdict(true, reason, null, null, Set.copyOf(targetIds));
    }
}
