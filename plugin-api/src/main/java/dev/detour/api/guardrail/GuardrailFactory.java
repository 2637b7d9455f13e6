package dev.detour.api.guardrail;

import dev.detour.api.DetourExtension;

/**
 * Extension point for guardrails ({@code guardrails: [{type: pii, action: redact}]}). Core reads
 * {@code on} ({@code input | output | both}) itself; every other key goes to the options.
 *
 * @param <O> the options record
 */
public interface GuardrailFactory<O> extends DetourExtension<O> {
    /** A guardrail for one route. */
    Guardrail create(O options, GuardrailContext context);
}
