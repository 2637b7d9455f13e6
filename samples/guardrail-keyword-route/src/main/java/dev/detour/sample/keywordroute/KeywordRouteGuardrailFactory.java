package dev.detour.sample.keywordroute;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import org.pf4j.Extension;

/** {@code guardrails: [{type: keyword_route, keywords: [...], categories: [...]}]}. */
@Extension
public final class KeywordRouteGuardrailFactory implements GuardrailFactory<KeywordRouteOptions> {

    @Override
    public String type() {
        return "keyword_route";
    }

    @Override
    public Class<KeywordRouteOptions> optionsType() {
        return KeywordRouteOptions.class;
    }

    @Override
    public Guardrail create(KeywordRouteOptions options, GuardrailContext context) {
        return new KeywordRouteGuardrail(options);
    }
}
