package dev.detour.api.model;

/**
 * A function call the assistant asked for.
 *
 * @param id        the call id that the tool result must reference
 * @param name      the function name
 * @param arguments the arguments as a JSON text (possibly invalid JSON, as the model produced it)
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        if (name == null) {
            throw new IllegalArgumentException("tool call name must not be null");
        }
        if (arguments == null) {
            arguments = "{}";
        }
    }
}
