package dev.detour.core.failover;

import io.vertx.core.Vertx;

import java.util.function.LongSupplier;

/**
 * Many short-lived timeouts on one underlying timer. Tasks live in a few <em>lanes</em>: linked
 * lists whose deadlines never decrease from head to tail, so a lane's head is its earliest task.
 * A new task joins the first lane whose tail is not later than it (tasks of the same delay, the
 * common case, always join the same lane), else an empty or new lane. Cancelling unlinks the task
 * at once, so nothing piles up however many tasks are cancelled. One underlying timer is armed for
 * the earliest head; when it fires, every due task runs and it is armed again for what is left.
 * Once a lane limit is reached, a task gets an underlying timer of its own.
 *
 * <p>Not thread-safe: used on one event loop, like the engine.
 */
final class TimerQueue implements Timers {

    /** The underlying one-shot timer (Vert.x's, or a test's). */
    interface Scheduler {
        long set(long delayMs, Runnable task);

        void cancel(long id);
    }

    static final int MAX_LANES = 32;
    /** A task runs once its deadline is within half the underlying timer's millisecond resolution. */
    private static final long DUE_WITHIN_NANOS = 500_000;

    private final Scheduler scheduler;
    private final LongSupplier nanos;
    private final Lane[] lanes = new Lane[MAX_LANES];
    private int laneCount;
    /** The armed underlying timer, its deadline (meaningful only when armed). */
    private long armedId = -1;
    private long armedAt;

    TimerQueue(Vertx vertx) {
        this(new Scheduler() {
            @Override
            public long set(long delayMs, Runnable task) {
                return vertx.setTimer(delayMs, id -> task.run());
            }

            @Override
            public void cancel(long id) {
                vertx.cancelTimer(id);
            }
        }, System::nanoTime);
    }

    TimerQueue(Scheduler scheduler, LongSupplier nanos) {
        this.scheduler = scheduler;
        this.nanos = nanos;
    }

    @Override
    public Timer schedule(long delayMs, Runnable task) {
        long delay = Math.max(1, delayMs);
        Entry e = new Entry(nanos.getAsLong() + delay * 1_000_000, task);
        Lane lane = laneFor(e.deadline);
        if (lane == null) {
            // Too many interleaved delays: this one gets a timer of its own.
            long id = scheduler.set(delay, task);
            return () -> scheduler.cancel(id);
        }
        lane.append(e);
        if (armedId < 0 || e.deadline < armedAt) {
            arm(e.deadline);
        }
        return e;
    }

    /** How many tasks wait (for tests). */
    int pending() {
        int n = 0;
        for (int i = 0; i < laneCount; i++) {
            for (Entry e = lanes[i].head; e != null; e = e.next) {
                n++;
            }
        }
        return n;
    }

    private Lane laneFor(long deadline) {
        Lane empty = null;
        for (int i = 0; i < laneCount; i++) {
            Lane l = lanes[i];
            if (l.tail == null) {
                if (empty == null) {
                    empty = l;
                }
            } else if (l.tail.deadline <= deadline) {
                return l;
            }
        }
        if (empty != null) {
            return empty;
        }
        if (laneCount < MAX_LANES) {
            Lane l = new Lane();
            lanes[laneCount++] = l;
            return l;
        }
        return null;
    }

    private void arm(long deadline) {
        if (armedId >= 0) {
            scheduler.cancel(armedId);
        }
        long now = nanos.getAsLong();
        long ms = Math.max(1, (deadline - now + 999_999) / 1_000_000);
        armedAt = deadline;
        armedId = scheduler.set(ms, this::fire);
    }

    private void fire() {
        armedId = -1;
        long now = nanos.getAsLong();
        long due = now + DUE_WITHIN_NANOS;
        for (int i = 0; i < laneCount; i++) {
            Lane l = lanes[i];
            while (l.head != null && l.head.deadline <= due) {
                Entry e = l.head;
                l.unlink(e);
                try {
                    e.task.run();
                } catch (RuntimeException ex) {
                    // One failing task must not keep the others from running.
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, ex);
                }
            }
        }
        // Tasks may have scheduled others (and armed for them); arm for the earliest left.
        long next = Long.MAX_VALUE;
        for (int i = 0; i < laneCount; i++) {
            if (lanes[i].head != null) {
                next = Math.min(next, lanes[i].head.deadline);
            }
        }
        if (next != Long.MAX_VALUE && (armedId < 0 || next < armedAt)) {
            arm(next);
        }
    }

    private static final class Lane {
        Entry head;
        Entry tail;

        void append(Entry e) {
            e.lane = this;
            e.prev = tail;
            if (tail == null) {
                head = e;
            } else {
                tail.next = e;
            }
            tail = e;
        }

        void unlink(Entry e) {
            if (e.prev == null) {
                head = e.next;
            } else {
                e.prev.next = e.next;
            }
            if (e.next == null) {
                tail = e.prev;
            } else {
                e.next.prev = e.prev;
            }
            e.prev = null;
            e.next = null;
            e.lane = null;
        }
    }

    private static final class Entry implements Timer {
        final long deadline;
        final Runnable task;
        Lane lane;
        Entry prev;
        Entry next;

        Entry(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        @Override
        public void cancel() {
            if (lane != null) {
                lane.unlink(this);
            }
        }
    }
}
