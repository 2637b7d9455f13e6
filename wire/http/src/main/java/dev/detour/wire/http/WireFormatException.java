package dev.detour.wire.http;

/**
 * A JSON body that does not fit the expected schema. {@link #field()} names the offending field
 * as a JSON path ({@code messages[2].content}), so the client's error can name it.
 */
public final class WireFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public WireFormatException(String field, String message) {
        super(field == null ? message : field + ": " + message);
        this.field = field;
    }

    /** The offending field's path, or null when the whole body is at fault. */
    public String field() {
        return field;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
