package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Typed reads of request fields that name the offending field when the type is wrong. */
final class Fields {

    private Fields() {
    }

    /** The first of {@code names} present and not null (Gemini accepts camelCase and snake_case). */
    static JsonNode get(JsonNode o, String... names) {
        for (String n : names) {
            JsonNode v = o.get(n);
            if (v != null && !v.isNull()) {
                return v;
            }
        }
        return null;
    }

    static String text(JsonNode o, String path, String... names) {
        JsonNode v = get(o, names);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw new SimRequestException(path, "must be a string");
        }
        return v.asText();
    }

    static Integer integer(JsonNode o, String path, int min, String... names) {
        JsonNode v = get(o, names);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new SimRequestException(path, "must be an integer");
        }
        if (v.intValue() < min) {
            throw new SimRequestException(path, "must be at least " + min + " (was " + v.intValue() + ")");
        }
        return v.intValue();
    }

    static boolean bool(JsonNode o, String path, String... names) {
        JsonNode v = get(o, names);
        if (v == null) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new SimRequestException(path, "must be a boolean");
        }
        return v.booleanValue();
    }

    static JsonNode array(JsonNode o, String path, String... names) {
        JsonNode v = get(o, names);
        if (v != null && !v.isArray()) {
            throw new SimRequestException(path, "must be an array");
        }
        return v;
    }

    static List<String> strings(JsonNode o, String path, String... names) {
        JsonNode a = array(o, path, names);
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (int i = 0; i < a.size(); i++) {
                if (!a.get(i).isTextual()) {
                    throw new SimRequestException(path + "[" + i + "]", "must be a string");
                }
                out.add(a.get(i).asText());
            }
        }
        return out;
    }
}
