package dev.detour.plugin.guardrails;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.util.List;

/**
 * Options of the {@code json_schema} guardrail.
 *
 * <pre>{@code
 * guardrails:
 *   - type: json_schema
 *     schema: { type: object, required: [answer], properties: { answer: { type: string } } }
 *     max_chars: 1000000
 * }</pre>
 *
 * @param schema   a JSON Schema (draft 2020-12 unless it names another in {@code $schema}); one that is
 *                 not a valid schema is an error
 * @param maxChars the longest answer validated; a longer one fails; default {@value #DEFAULT_MAX_CHARS}
 */
public record JsonSchemaOptions(@JsonProperty("schema") JsonNode schema,
                                @JsonProperty("max_chars") Integer maxChars) {

    public static final int DEFAULT_MAX_CHARS = 1_000_000;

    public JsonSchemaOptions {
        if (schema == null || !(schema.isObject() || schema.isBoolean())) {
            throw new IllegalArgumentException("schema must be a JSON Schema (an object or a boolean)");
        }
        maxChars = Options.atLeast("max_chars", maxChars, DEFAULT_MAX_CHARS, 1);
        compile(schema);
    }

    /** The schema compiled, after checking it against its dialect's meta-schema. */
    static Schema compile(JsonNode schema) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        try {
            String dialect = schema.path("$schema").asText(SpecificationVersion.DRAFT_2020_12.getDialectId());
            Schema meta = registry.getSchema(SchemaLocation.of(dialect));
            List<Error> errors = meta.validate(schema);
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("schema is not a valid JSON Schema: " + errors.get(0).getMessage());
            }
            Schema compiled = registry.getSchema(schema);
            compiled.initializeValidators();
            return compiled;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("schema does not compile: " + e.getMessage(), e);
        }
    }
}
