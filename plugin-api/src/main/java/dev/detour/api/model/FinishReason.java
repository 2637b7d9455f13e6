package dev.detour.api.model;

/** Why generation stopped, with OpenAI's wire names. */
public enum FinishReason {
    STOP("stop"),
    LENGTH("length"),
    TOOL_CALLS("tool_calls"),
    CONTENT_FILTER("content_filter"),
    /** Deprecated OpenAI single function call. */
    FUNCTION_CALL("function_call");

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    /** The OpenAI wire value. */
    public String wire() {
        return wire;
    }

    /** The reason for an OpenAI wire value; unknown values map to STOP, null to null. */
    public static FinishReason fromWire(String value) {
        if (value == null) {
            return null;
        }
        for (FinishReason r : values()) {
            if (r.wire.equals(value)) {
                return r;
            }
        }
        return STOP;
    }
}
