package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import org.pf4j.Extension;

/** {@code guardrails: [{type: pii}]}: personal data and secrets; see {@link PiiGuardrail}. */
@Extension
public final class PiiGuardrailFactory implements GuardrailFactory<PiiOptions> {

    @Override
    public String type() {
        return PiiGuardrail.TYPE;
    }

    @Override
    public Class<PiiOptions> optionsType() {
        return PiiOptions.class;
    }

    @Override
    public Guardrail create(PiiOptions options, GuardrailContext context) {
        return new PiiGuardrail(options, context.vertx());
    }
}
