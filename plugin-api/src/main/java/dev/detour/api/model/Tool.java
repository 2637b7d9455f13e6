package dev.detour.api.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A function the model may call.
 *
 * @param name        the function name
 * @param description what it does, or null
 * @param parameters  its JSON Schema, or null
 * @param strict      OpenAI's strict schema adherence flag, or null
 */
public record Tool(String name, String description, JsonNode parameters, Boolean strict) {
    public Tool {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tool name must not be empty");
        }
    }
}
