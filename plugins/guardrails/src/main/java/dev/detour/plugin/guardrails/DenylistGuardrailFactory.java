package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import org.pf4j.Extension;

/** {@code guardrails: [{type: denylist}]}: patterns and words; see {@link DenylistGuardrail}. */
@Extension
public final class DenylistGuardrailFactory implements GuardrailFactory<DenylistOptions> {

    @Override
    public String type() {
        return DenylistGuardrail.TYPE;
    }

    @Override
    public Class<DenylistOptions> optionsType() {
        return DenylistOptions.class;
    }

    @Override
    public Guardrail create(DenylistOptions options, GuardrailContext context) {
        return new DenylistGuardrail(options, context.vertx());
    }
}
