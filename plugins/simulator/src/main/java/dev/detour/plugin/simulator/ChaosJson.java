package dev.detour.plugin.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON of the chaos API: a strict reading of {@code PUT /_chaos/{name}} bodies (unknown
 * fields and wrong types are errors naming the field, nothing is coerced) and the writing of
 * faults and statistics.
 */
final class ChaosJson {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private static final String KNOWN = "down, status, rate, retry_after, latency_ms, jitter_ms, chunk_delay_ms, "
            + "cut_after_chunks, degrade";

    private ChaosJson() {
    }

    /** Reads a chaos body; a problem is a {@link SimRequestException} whose message starts with the field. */
    static ChaosFaults parse(String body) {
        if (body == null || body.isBlank()) {
            throw new SimRequestException("body", "must be a JSON object with the faults to set");
        }
        try {
            ChaosFaults f = MAPPER.readValue(body, ChaosFaults.class);
            if (f == null) {
                throw new SimRequestException("body", "must be a JSON object with the faults to set");
            }
            return f;
        } catch (UnrecognizedPropertyException e) {
            throw new SimRequestException(path(e), "unknown field (known: " + KNOWN + ")");
        } catch (JsonMappingException e) {
            String field = path(e);
            IllegalArgumentException iae = illegalArgument(e);
            if (iae != null) {
                String m = iae.getMessage();
                // The record's own checks already name the field; the enum's do not.
                throw new SimRequestException(null, field.isEmpty() || m.startsWith(field + ":") ? m : field + ": " + m);
            }
            if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
                throw new SimRequestException(field.isEmpty() ? "body" : field, "must be " + expected(mi.getTargetType()));
            }
            throw new SimRequestException(field.isEmpty() ? "body" : field, e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new SimRequestException("body", "is not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    static JsonNode toJson(Object value) {
        return MAPPER.valueToTree(value);
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static IllegalArgumentException illegalArgument(Throwable t) {
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
            if (c instanceof IllegalArgumentException iae && !(c instanceof JsonMappingException)) {
                return iae;
            }
        }
        return null;
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == ChaosFaults.Degrade.class) {
            return "one of empty, repeat, truncate, off_topic";
        }
        if (type == ChaosFaults.class) {
            return "a JSON object";
        }
        return "a " + type.getSimpleName();
    }
}
