package dev.detour.core.failover;

import dev.detour.core.health.ManualClock;

import java.util.PriorityQueue;

/**
 * The engine's timers on a {@link ManualClock}: nothing runs until the test advances time, and
 * then every task that comes due runs, in deadline order (ties in the order scheduled), with the
 * clock set to that task's deadline, so a task scheduled by another runs too if it falls within
 * the advance. Tests drive the engine's time through {@link #advanceMillis} only.
 */
final class ManualScheduler implements Timers {
    private final ManualClock clock;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>((x, y) -> x.at != y.at
            ? Long.compare(x.at, y.at) : Long.compare(x.seq, y.seq));
    private long seq;

    ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public Timer schedule(long delayMs, Runnable task) {
        Task t = new Task(clock.nanos() + Math.max(1, delayMs) * 1_000_000, seq++, task);
        tasks.add(t);
        return () -> tasks.remove(t);
    }

    /** Moves the clock {@code ms} forward, running what comes due on the way. */
    void advanceMillis(long ms) {
        long end = clock.nanos() + ms * 1_000_000;
        while (!tasks.isEmpty() && tasks.peek().at <= end) {
            Task t = tasks.poll();
            clock.advanceMillis((t.at - clock.nanos()) / 1_000_000);
            t.task.run();
        }
        clock.advanceMillis((end - clock.nanos()) / 1_000_000);
    }

    /** How many tasks wait. */
    int pending() {
        return tasks.size();
    }

    private record Task(long at, long seq, Runnable task) {
    }
}
