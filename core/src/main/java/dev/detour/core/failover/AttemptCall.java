package dev.detour.core.failover;

import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.RateLimits;
import dev.detour.api.provider.WireBody;
import dev.detour.api.view.TargetView;
import dev.detour.core.health.TargetRuntime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The engine's side of one upstream attempt: the {@link Call} handed to the adapter. */
final class AttemptCall implements Call {
    private final TargetView target;
    private final String requestId;
    private final Duration connect;
    private final Duration idle;
    private final WireBody inbound;
    private WireBody answer;
    /**
     * The upstream bytes of streamed chunks not yet passed on, by chunk identity: a chunk that
     * reaches the client as the very instance the adapter delivered is unchanged, so its bytes
     * still say what it says; one that scrubbing rewrote is another instance and goes without them.
     * Taken out as each chunk is passed on, so it holds only what is held back; no allocation per
     * chunk (open addressing).
     */
    private IdentityHashMap<ChatChunk, WireBody> chunkWires;
    private List<Consumer<ProviderException>> cancelHandlers;
    private ProviderException cancelledWith;
    private Runnable pause;
    private Runnable resume;
    private boolean paused;
    /** The trace context headers of the attempt's span; empty when tracing is off. */
    Map<String, String> extraHeaders = Map.of();

    /**
     * @param inbound the client's body when the attempt's request is still exactly what was parsed
     *                from it but for the model and the stream flags (see {@link Call#inbound()}), else null
     */
    AttemptCall(TargetView target, String requestId, Duration connect, Duration idle, WireBody inbound) {
        this.target = target;
        this.requestId = requestId;
        this.connect = connect;
        this.idle = idle;
        this.inbound = inbound;
    }

    @Override
    public WireBody inbound() {
        return inbound;
    }

    @Override
    public void answerWire(WireBody body) {
        answer = body;
    }

    /** What the upstream said of its quota goes to the target's quota, which every route shares. */
    @Override
    public void rateLimits(RateLimits limits) {
        if (limits != null && target instanceof TargetRuntime t) {
            t.quota().learn(limits);
        }
    }

    /** The upstream's bytes of the whole answer, as the adapter handed them back, or null. */
    WireBody answer() {
        return answer;
    }

    /** Notes the upstream bytes of a streamed chunk, to go with it if it is passed on unchanged. */
    void chunkWire(ChatChunk chunk, WireBody wire) {
        if (chunkWires == null) {
            chunkWires = new IdentityHashMap<>(4);
        }
        chunkWires.put(chunk, wire);
    }

    /** The upstream bytes of {@code chunk} if the adapter delivered this very instance with them, or null. */
    WireBody takeChunkWire(ChatChunk chunk) {
        return chunkWires == null ? null : chunkWires.remove(chunk);
    }

    @Override public TargetView target() { return target; }
    @Override public String requestId() { return requestId; }
    @Override public Duration connectTimeout() { return connect; }
    @Override public Duration idleTimeout() { return idle; }
    @Override public Map<String, String> extraHeaders() { return extraHeaders; }

    @Override
    public void onCancel(Consumer<ProviderException> handler) {
        if (cancelledWith != null) {
            handler.accept(cancelledWith);
            return;
        }
        if (cancelHandlers == null) {
            cancelHandlers = new ArrayList<>(1);
        }
        cancelHandlers.add(handler);
    }

    @Override
    public void onFlowControl(Runnable pause, Runnable resume) {
        this.pause = pause;
        this.resume = resume;
        if (paused) {
            pause.run();
        }
    }

    /** Holds the upstream back: the client is not reading fast enough. */
    void pauseUpstream() {
        if (!paused) {
            paused = true;
            if (pause != null && cancelledWith == null) {
                pause.run();
            }
        }
    }

    /** Lets the upstream send again: the client has caught up. */
    void resumeUpstream() {
        if (paused) {
            paused = false;
            if (resume != null && cancelledWith == null) {
                resume.run();
            }
        }
    }

    /** Whether the upstream is held back for the client (its silence is then not its fault). */
    boolean paused() {
        return paused;
    }

    @Override
    public boolean cancelled() {
        return cancelledWith != null;
    }

    /** Abandons the call; runs the adapter's handlers once. */
    void cancel(ProviderException why) {
        if (cancelledWith != null) {
            return;
        }
        cancelledWith = why;
        if (cancelHandlers != null) {
            for (Consumer<ProviderException> h : cancelHandlers) {
                try {
                    h.accept(why);
                } catch (RuntimeException ignored) {
                    // An adapter's cleanup failing must not break the engine.
                }
            }
        }
    }
}
