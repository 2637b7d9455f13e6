package dev.detour.core.failover;

import java.util.ArrayList;
import java.util.List;

/** Lets the HTTP layer tell the engine the client has gone, so the upstream call is abandoned. */
public final class AbortSignal {
    private final List<Runnable> handlers = new ArrayList<>(1);
    private boolean aborted;

    public void abort() {
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
