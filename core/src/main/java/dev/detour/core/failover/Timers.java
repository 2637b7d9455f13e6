package dev.detour.core.failover;

import io.vertx.core.Vertx;

/** Schedules callbacks on the event loop; injected so time logic can be driven by tests. */
public interface Timers {

    /** Runs {@code task} after {@code delayMs} (at least 1 ms); the handle cancels it. */
    Timer schedule(long delayMs, Runnable task);

    /** A scheduled task. */
    interface Timer {
        /** Cancels the task if it has not run; does nothing otherwise. */
        void cancel();
    }

    /**
     * Timers for the engine over Vert.x, coalesced: the engine arms a timeout for every attempt
     * and almost always cancels it within milliseconds, so one Vert.x timer per pending task
     * (a map entry and a Netty scheduled task, added and removed on every request) would cost
     * more than the rest of the bookkeeping. See {@link TimerQueue}.
     *
     * @param vertx the gateway's Vert.x; the queue must be used on one event loop, like the engine
     */
    static Timers of(Vertx vertx) {
        return new TimerQueue(vertx);
    }
}
