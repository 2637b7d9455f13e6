package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import org.pf4j.Extension;

/** {@code guardrails: [{type: max_input, tokens: 8000}]}; see {@link MaxInputGuardrail}. */
@Extension
public final class MaxInputGuardrailFactory implements GuardrailFactory<MaxInputOptions> {

    @Override
    public String type() {
        return MaxInputGuardrail.TYPE;
    }

    @Override
    public Class<MaxInputOptions> optionsType() {
        return MaxInputOptions.class;
    }

    @Override
    public Guardrail create(MaxInputOptions options, GuardrailContext context) {
        return new MaxInputGuardrail(options);
    }
}
