package dev.detour.plugin.guardrails;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of the {@code max_input} guardrail: at least one limit.
 *
 * <pre>{@code
 * guardrails:
 *   - type: max_input
 *     tokens: 8000     # estimated as everywhere in Detour: characters / 4, plus 16 per message
 *     chars: 40000
 * }</pre>
 *
 * @param tokens the most estimated input tokens a request may carry, or null for no limit
 * @param chars  the most characters of text a request may carry, or null for no limit
 */
public record MaxInputOptions(@JsonProperty("tokens") Integer tokens, @JsonProperty("chars") Integer chars) {
    public MaxInputOptions {
        if (tokens == null && chars == null) {
            throw new IllegalArgumentException("max_input needs tokens or chars");
        }
        if (tokens != null) {
            Options.atLeast("tokens", tokens, 0, 1);
        }
        if (chars != null) {
            Options.atLeast("chars", chars, 0, 1);
        }
    }
}
