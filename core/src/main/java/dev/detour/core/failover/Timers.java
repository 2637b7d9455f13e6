package dev.detour.core.failover;

import io.vertx.core.Vertx;

/**
 * Schedules the failover engine's callbacks (timeouts, retries, stream probes) on its event loop.
 * Injected beside the {@link dev.detour.api.Clock} through {@code Detour.Options} and
 * {@code Gateway.build}, so a test drives the engine's time with a manual clock and scheduler
 * instead of sleeping. An implementation runs each task on the engine's event loop, once, no
 * earlier than its delay after it was scheduled, and never after it was cancelled.
 */
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
     * more than the rest of the bookkeeping. See {@link TimerQueue}. Delays are real time
     * ({@code System.nanoTime}), whatever clock the gateway reads.
     *
     * @param vertx the gateway's Vert.x; the queue must be used on one event loop, like the engine
     */
    static Timers of(Vertx vertx) {
        return new TimerQueue(vertx);
    }
}
