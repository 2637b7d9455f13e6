package dev.detour.api.provider;

import java.util.Objects;

/**
 * A body exactly as it crossed the wire, in one named format: the client's request handed to an
 * attempt ({@link Call#inbound()}), an upstream's whole answer handed back
 * ({@link Call#answerWire(WireBody)}), or one upstream stream event's JSON
 * ({@link ChunkSink#next(dev.detour.api.model.ChatChunk, WireBody)}). It lets "forward what needs no
 * change" skip writing JSON again, without putting bytes inside the canonical model: it belongs to
 * one attempt, beside the canonical value it says the same as.
 *
 * <p>Nobody mutates the array: neither the side that made it, nor the side that reads it (it is
 * shared, not copied, because copying it is the cost this type exists to avoid). Compared by
 * identity: it is a carrier, not a value.
 */
public final class WireBody {

    /**
     * OpenAI's JSON: a Chat Completions request body, a {@code chat.completion} answer, the JSON
     * of one {@code chat.completion.chunk} event (without the SSE framing), or an Embeddings
     * answer (whose vectors are in the encoding the client asked for).
     */
    public static final String OPENAI = "openai";

    private final String format;
    private final byte[] bytes;

    /**
     * @param format the wire format, e.g. {@link #OPENAI}
     * @param bytes  the body, UTF-8 JSON for {@link #OPENAI}; not copied
     */
    public WireBody(String format, byte[] bytes) {
        this.format = Objects.requireNonNull(format, "format");
        this.bytes = Objects.requireNonNull(bytes, "bytes");
    }

    /** The wire format, e.g. {@link #OPENAI}. */
    public String format() {
        return format;
    }

    /** Whether this body is in {@code format}. */
    public boolean is(String format) {
        return this.format.equals(format);
    }

    /** The body's bytes; never mutate them. */
    public byte[] bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return "WireBody[" + format + ", " + bytes.length + " bytes]";
    }
}
