package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import org.pf4j.Extension;

/** {@code guardrails: [{type: json_schema, schema: {...}}]}; see {@link JsonSchemaGuardrail}. */
@Extension
public final class JsonSchemaGuardrailFactory implements GuardrailFactory<JsonSchemaOptions> {

    @Override
    public String type() {
        return JsonSchemaGuardrail.TYPE;
    }

    @Override
    public Class<JsonSchemaOptions> optionsType() {
        return JsonSchemaOptions.class;
    }

    @Override
    public Guardrail create(JsonSchemaOptions options, GuardrailContext context) {
        return new JsonSchemaGuardrail(options, context.vertx());
    }
}
