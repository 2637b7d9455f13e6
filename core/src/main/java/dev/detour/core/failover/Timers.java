package dev.detour.core.failover;

import io.vertx.core.Vertx;

/** Schedules callbacks on the event loop; injected so time logic can be driven by tests. */
public interface Timers {

    /** Runs {@code task} after {@code delayMs}; returns an id for {@link #cancel(long)}. */
    long schedule(long delayMs, Runnable task);

    void cancel(long id);

    /** Timers over Vert.x. */
    static Timers of(Vertx vertx) {
        return new Timers() {
            @Override
            public long schedule(long delayMs, Runnable task) {
                return vertx.setTimer(Math.max(1, delayMs), id -> task.run());
            }

            @Override
            public void cancel(long id) {
                vertx.cancelTimer(id);
            }
        };
    }
}
