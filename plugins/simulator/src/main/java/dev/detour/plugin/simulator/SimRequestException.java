package dev.detour.plugin.simulator;

/** A request body that breaks the called provider's schema: answered 400 naming the field. Stackless. */
final class SimRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    SimRequestException(String field, String message) {
        super(field == null ? message : field + ": " + message, null, false, false);
        this.field = field;
    }

    /** The offending field's path, or null when unknown or the whole body is at fault. */
    String field() {
        return field;
    }
}
