package dev.detour.wire.http;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Small, validating readers of optional fields of a JSON object, shared by the wire codecs (the
 * OpenAI format in {@link OpenAiJson}, core's Anthropic Messages codec, provider translators).
 * A field that is absent or JSON {@code null} reads as "not set"; a field of the wrong type or out
 * of range fails with a {@link WireFormatException} naming the field. Stateless and thread-safe.
 */
public final class JsonFields {

    private JsonFields() {
    }

    /** {@code n} itself, or null when it is absent or JSON {@code null}. */
    public static JsonNode nonNull(JsonNode n) {
        return n == null || n.isNull() ? null : n;
    }

    /** A scalar field as text (numbers and booleans too), or null when absent, null or a container. Lenient. */
    public static String optText(JsonNode object, String field) {
        JsonNode n = object.get(field);
        return n == null || n.isNull() || !n.isValueNode() ? null : n.asText();
    }

    /**
     * A string field, or null when absent or null.
     *
     * @param path the name to report (e.g. {@code messages[2].name})
     * @throws WireFormatException when the field is not a string
     */
    public static String optText(JsonNode object, String field, String path) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new WireFormatException(path, "must be a string");
        }
        return n.asText();
    }

    /**
     * A number field within {@code [min, max]}, or null when absent or null.
     *
     * @throws WireFormatException when the field is not a number or out of range
     */
    public static Double optNumber(JsonNode object, String field, double min, double max) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new WireFormatException(field, "must be a number");
        }
        double v = n.asDouble();
        if (v < min || v > max) {
            throw new WireFormatException(field, "must be between " + fmt(min) + " and " + fmt(max) + " (was " + n + ")");
        }
        return v;
    }

    /**
     * An integer field of at least {@code min}, or null when absent or null.
     *
     * @throws WireFormatException when the field is not an integer or below {@code min}
     */
    public static Integer optInt(JsonNode object, String field, int min) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        long v = requireIntegral(n, field).longValue();
        if (v < min) {
            throw new WireFormatException(field, "must be at least " + min + " (was " + v + ")");
        }
        if (v > Integer.MAX_VALUE) {
            // Truncated to an int it would be some other number, possibly a huge one.
            throw new WireFormatException(field, "must be at most " + Integer.MAX_VALUE + " (was " + v + ")");
        }
        return (int) v;
    }

    /**
     * The value of an integral number node (within {@code long}).
     *
     * @throws WireFormatException naming {@code field} when it is not one
     */
    public static Number requireIntegral(JsonNode n, String field) {
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new WireFormatException(field, "must be an integer");
        }
        return n.longValue();
    }

    /**
     * A boolean field, false when absent or null.
     *
     * @param path the name to report
     * @throws WireFormatException when the field is not a boolean
     */
    public static boolean optBool(JsonNode object, String field, String path) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new WireFormatException(path, "must be a boolean");
        }
        return n.booleanValue();
    }

    /** {@code 1} for 1.0, {@code 0.5} for 0.5: how a bound reads in a message. */
    static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
