package dev.detour.api.guardrail;

import dev.detour.api.DetourExtension;

/**
 * Extension point for guardrails ({@code guardrails: [{type: pii, action: redact}]}).
 *
 * @param <O> the options record
 */
public interface GuardrailFactory<O> extends DetourExtension<O> {

    Guardrail create(O options, String routeName);
}
