package dev.detour.core.failover;

import java.util.ArrayList;
import java.util.List;

/**
 * Lets the HTTP layer tell the engine to give up on a request, so the upstream call is abandoned:
 * the client has gone ({@link #abort()}), or the gateway's shutdown grace ran out
 * ({@link #shutdown()}), in which case the client still gets an answer saying so.
 */
public final class AbortSignal {
    private final List<Runnable> handlers = new ArrayList<>(1);
    private boolean aborted;
    private boolean shutdown;

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
