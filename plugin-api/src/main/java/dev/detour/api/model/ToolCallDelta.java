package dev.detour.api.model;

/**
 * A piece of a streamed tool call. The first delta of a call carries its {@code id} and
 * {@code name}; later ones append to {@code argumentsDelta}.
 *
 * @param index          which tool call of the answer this piece belongs to (0-based)
 * @param id             the call id, on the first delta only
 * @param name           the function name, on the first delta only
 * @param argumentsDelta the next piece of the arguments JSON text ("" when none)
 */
public record ToolCallDelta(int index, String id, String name, String argumentsDelta) {
    public ToolCallDelta {
        if (argumentsDelta == null) {
            argumentsDelta = "";
        }
    }
}
