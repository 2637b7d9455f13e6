package dev.detour.core.readiness;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.detour.core.config.Units;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks of one readiness case (CONFIG.md "Readiness"): what a target's answer must be for
 * the target to pass. All given checks must hold; a case without checks passes whenever the
 * target answers at all.
 *
 * @param json       the answer's text must be valid JSON (the whole text, nothing around it: a
 *                   client parsing it would fail on a Markdown fence too)
 * @param schema     the answer must be JSON valid against this JSON Schema (default dialect
 *                   2020-12), or null
 * @param contains   texts the answer must contain, each as written (case-sensitive)
 * @param regex      an RE2 pattern some part of the answer must match (linear time: an operator's
 *                   pattern never backtracks on the event loop), or null
 * @param maxLatency the longest the whole answer may take, or null
 */
public record ReadinessCheck(boolean json, Schema schema, List<String> contains, com.google.re2j.Pattern regex,
                             Duration maxLatency) {
    /** Only this much of an answer is judged by {@code contains} and {@code regex}; longer answers are cut. */
    static final int MAX_CHARS = 1_000_000;

    public ReadinessCheck {
        contains = List.copyOf(contains);
    }

    /**
     * Why an answer fails these checks, one reason per failed check (never the answer itself,
     * which may hold anything the model wrote); empty when it passes.
     *
     * @param text      the answer's text
     * @param latencyMs how long the whole answer took
     */
    public List<String> failures(String text, long latencyMs) {
        List<String> out = new ArrayList<>(2);
        if (maxLatency != null && latencyMs > maxLatency.toMillis()) {
            out.add("max_latency: took " + latencyMs + "ms, more than " + Units.format(maxLatency));
        }
        JsonNode parsed = null;
        if (json || schema != null) {
            parsed = parse(text);
            if (parsed == null) {
                out.add((json ? "json" : "json_schema") + ": the answer is not valid JSON");
            }
        }
        if (schema != null && parsed != null) {
            List<Error> errors = schema.validate(parsed);
            if (!errors.isEmpty()) {
                out.add("json_schema: " + errors.size() + (errors.size() == 1 ? " error" : " errors") + ", first: "
                        + errors.get(0).getMessage());
            }
        }
        String judged = text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
        for (String c : contains) {
            if (!judged.contains(c)) {
                out.add("contains: the answer does not contain \"" + c + "\"");
            }
        }
        if (regex != null && !regex.matcher(judged).find()) {
            out.add("regex: no match for /" + regex.pattern() + "/");
        }
        return out;
    }

    /** The text as one JSON value, or null when it is not exactly one. */
    static JsonNode parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return null;
        }
        try (com.fasterxml.jackson.core.JsonParser p = WireJson.MAPPER.createParser(t)) {
            JsonNode node = WireJson.MAPPER.readTree(p);
            // One value, nothing after it: "{} trailing words" is not valid JSON.
            return node == null || p.nextToken() != null ? null : node;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A JSON Schema compiled, after checking it against its dialect's meta-schema.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static Schema compile(JsonNode schema) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        try {
            String dialect = schema.path("$schema").asText(SpecificationVersion.DRAFT_2020_12.getDialectId());
            List<Error> errors = registry.getSchema(SchemaLocation.of(dialect)).validate(schema);
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("is not a valid JSON Schema: " + errors.get(0).getMessage());
            }
            Schema compiled = registry.getSchema(schema);
            compiled.initializeValidators();
            return compiled;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("does not compile as a JSON Schema: " + e.getMessage(), e);
        }
    }
}
