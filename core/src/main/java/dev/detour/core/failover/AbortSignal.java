package dev.detour.core.failover;

import java.util.ArrayList;
import java.util.List;

/**
 * Lets the HTTP layer tell the engine to give up on a request, so the upstream call is abandoned:
 * the client has gone ({@link #abort()}), or the gateway's shutdown grace ran out
 * ({@link #shutdown()}), in which case the client still gets an answer saying so. It also carries
 * the client's backpressure to the upstream: {@link #clientBehind()} / {@link #clientCaughtUp()}
 * pause and resume the current attempt's upstream read. And it carries the request's tracing to the
 * engine ({@link #trace()}), when tracing is on.
 */
public final class AbortSignal {
    private final List<Runnable> handlers = new ArrayList<>(1);
    private boolean aborted;
    private boolean shutdown;
    private boolean behind;
    private AttemptCall flow;
    private RequestTrace trace;

    /** The client has gone. */
    public void abort() {
        fire();
    }

    /** The gateway is shutting down and can wait no longer; the client is still there. */
    public void shutdown() {
        if (!aborted) {
            shutdown = true;
        }
        fire();
    }

    /**
     * The client's write queue is full: hold the upstream back until {@link #clientCaughtUp()}.
     * Call it on the full transition only; repeated calls are no-ops.
     */
    public void clientBehind() {
        if (!behind) {
            behind = true;
            if (flow != null) {
                flow.pauseUpstream();
            }
        }
    }

    /** The client's write queue has drained: let the upstream send again. */
    public void clientCaughtUp() {
        if (behind) {
            behind = false;
            if (flow != null) {
                flow.resumeUpstream();
            }
        }
    }

    /** The attempt whose upstream follows the client's pace from now on (paused at once if the client is behind). */
    void flowTo(AttemptCall call) {
        flow = call;
        if (behind && call != null) {
            call.pauseUpstream();
        }
    }

    /** Hands the engine the request's tracing (its span), the parent of each upstream call's span. */
    public void trace(RequestTrace t) {
        trace = t;
    }

    /** The request's tracing, or null when tracing is off. */
    public RequestTrace trace() {
        return trace;
    }

    /** Whether the abort came from the gateway's shutdown rather than from the client. */
    public boolean byShutdown() {
        return shutdown;
    }

    private void fire() {
        if (aborted) {
            return;
        }
        aborted = true;
        for (Runnable r : List.copyOf(handlers)) {
            r.run();
        }
        handlers.clear();
    }

    public boolean aborted() {
        return aborted;
    }

    void onAbort(Runnable r) {
        if (aborted) {
            r.run();
        } else {
            handlers.add(r);
        }
    }
}
