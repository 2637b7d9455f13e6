package dev.detour.api.provider;

import dev.detour.api.model.ChatChunk;

/**
 * The one push interface for streams: an adapter calls {@link #next(ChatChunk)} for every
 * translated chunk, in order, on the event loop. The stream's end (or failure) is signalled by
 * the {@code Future} the adapter returned, not through the sink.
 */
@FunctionalInterface
public interface ChunkSink {

    /** Delivers the next chunk. Must not be called after the stream's future completed. */
    void next(ChatChunk chunk);
}
