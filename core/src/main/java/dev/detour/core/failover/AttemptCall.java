package dev.detour.core.failover;

import dev.detour.api.ProviderException;
import dev.detour.api.provider.Call;
import dev.detour.api.view.TargetView;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The engine's side of one upstream attempt: the {@link Call} handed to the adapter. */
final class AttemptCall implements Call {
    private final TargetView target;
    private final String requestId;
    private final Duration connect;
    private final Duration idle;
    private List<Consumer<ProviderException>> cancelHandlers;
    private ProviderException cancelledWith;
    private Runnable pause;
    private Runnable resume;
    private boolean paused;

    AttemptCall(TargetView target, String requestId, Duration connect, Duration idle) {
        this.target = target;
        this.requestId = requestId;
        this.connect = connect;
        this.idle = idle;
    }

    @Override public TargetView target() { return target; }
    @Override public String requestId() { return requestId; }
    @Override public Duration connectTimeout() { return connect; }
    @Override public Duration idleTimeout() { return idle; }

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
