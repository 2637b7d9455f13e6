package dev.detour.api.provider;

import dev.detour.api.model.ChatChunk;

/**
 * The one push interface for streams: an adapter calls {@link #next(ChatChunk)} (or
 * {@link #next(ChatChunk, WireBody)}) for every translated chunk, in order, on the event loop. The stream's end (or failure) is signalled by
 * the {@code Future} the adapter returned, not through the sink.
 */
@FunctionalInterface
public interface ChunkSink {

    /** Delivers the next chunk. Must not be called after the stream's future completed. */
    void next(ChatChunk chunk);

    /**
     * Delivers the next chunk with the upstream event it was decoded from, exactly ({@code wire}:
     * for {@link WireBody#OPENAI}, the event's JSON without its {@code data: } framing). Only for
     * a chunk that is the whole of one event and says exactly what the event says; an event that
     * makes several chunks, or a chunk the adapter changed, goes through {@link #next(ChatChunk)}.
     * Core sends {@code wire} as it is to a client that speaks its format, as long as nothing on
     * the way changes the chunk (scrubbing, the client's stream options); otherwise it writes the
     * chunk. Never mutate the bytes afterwards. The default drops {@code wire}.
     */
    default void next(ChatChunk chunk, WireBody wire) {
        next(chunk);
    }
}
