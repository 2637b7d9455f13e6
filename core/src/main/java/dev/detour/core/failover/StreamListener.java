package dev.detour.core.failover;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.provider.WireBody;
import dev.detour.core.health.TargetRuntime;

import java.util.List;

/** Receives a stream once the engine has committed it to a target. Called on the event loop. */
public interface StreamListener {

    /**
     * The first content chunk has arrived from {@code target}: from now on the stream belongs to it.
     * Called once, before the first {@link #chunk(ChatChunk)}.
     *
     * @param attempts the attempts made so far (the serving one included)
     * @param failover whether the target is not the plan's first
     */
    void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover);

    /**
     * The committed stream was cut and another target has taken it over ({@code stream.resume}):
     * its chunks follow as part of the same stream (same id, no second role). Headers are sent by
     * now, so this is the only word of it. Called once per resume, before its first chunk.
     *
     * @param target     the target that continues the stream
     * @param attempts   the attempts made so far (the continuing one included)
     * @param resumption the resume
     */
    default void resumed(TargetRuntime target, List<AttemptRecord> attempts, Resumption resumption) {
    }

    /** The next chunk of the committed stream (chunks held back before the commit come first). */
    void chunk(ChatChunk chunk);

    /**
     * The next chunk, with the upstream event it was decoded from when nothing changed it on the
     * way ({@code wire}, else null): a listener writing the same format may send those bytes as
     * they are. The default writes the chunk.
     */
    default void chunk(ChatChunk chunk, WireBody wire) {
        chunk(chunk);
    }
}
