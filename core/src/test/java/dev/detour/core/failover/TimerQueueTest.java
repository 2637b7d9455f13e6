package dev.detour.core.failover;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The coalescing timer queue, driven by a fake underlying timer and a manual clock. */
class TimerQueueTest {

    /** An underlying timer the test fires by moving the clock. */
    static final class FakeScheduler implements TimerQueue.Scheduler {
        long now;
        long nextId;
        final TreeMap<Long, List<Object[]>> due = new TreeMap<>();
        int set;
        int cancelled;

        @Override
        public long set(long delayMs, Runnable task) {
            set++;
            long id = nextId++;
            due.computeIfAbsent(now + delayMs * 1_000_000, k -> new ArrayList<>()).add(new Object[] {id, task});
            return id;
        }

        @Override
        public void cancel(long id) {
            cancelled++;
            due.values().forEach(l -> l.removeIf(o -> (long) o[0] == id));
        }

        /** Moves the clock by {@code ms}, running every underlying timer that comes due, in order. */
        void advance(long ms) {
            long end = now + ms * 1_000_000;
            while (!due.isEmpty() && due.firstKey() <= end) {
                var first = due.pollFirstEntry();
                now = first.getKey();
                for (Object[] o : first.getValue()) {
                    ((Runnable) o[1]).run();
                }
            }
            now = end;
        }

        int armed() {
            return due.values().stream().mapToInt(List::size).sum();
        }
    }

    final FakeScheduler scheduler = new FakeScheduler();
    final TimerQueue timers = new TimerQueue(scheduler, () -> scheduler.now);
    final List<String> ran = new ArrayList<>();

    @Test
    void runs_tasks_at_their_deadlines_in_order() {
        timers.schedule(30, () -> ran.add("c"));
        timers.schedule(10, () -> ran.add("a"));
        timers.schedule(20, () -> ran.add("b"));

        scheduler.advance(9);
        assertEquals(List.of(), ran);
        scheduler.advance(1);
        assertEquals(List.of("a"), ran);
        scheduler.advance(20);
        assertEquals(List.of("a", "b", "c"), ran);
        assertEquals(0, timers.pending());
    }

    @Test
    void many_tasks_of_one_delay_share_one_underlying_timer() {
        for (int i = 0; i < 1000; i++) {
            scheduler.now += 10_000;   // 10 µs apart, like requests under load
            timers.schedule(60_000, () -> ran.add("x"));
        }

        assertEquals(1, scheduler.set);
        assertEquals(1, scheduler.armed());
        scheduler.advance(60_001);
        assertEquals(1000, ran.size());
    }

    @Test
    void a_cancelled_task_never_runs_and_is_not_kept() {
        List<Timers.Timer> handles = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            handles.add(timers.schedule(50, () -> ran.add("t" + n)));
        }
        for (int i = 0; i < 100; i++) {
            if (i != 42) {
                handles.get(i).cancel();
            }
        }

        assertEquals(1, timers.pending());
        scheduler.advance(50);
        assertEquals(List.of("t42"), ran);
        handles.get(42).cancel();   // after it ran: nothing happens
        assertEquals(0, timers.pending());
    }

    @Test
    void an_earlier_deadline_rearms_the_underlying_timer() {
        timers.schedule(1000, () -> ran.add("late"));
        timers.schedule(5, () -> ran.add("early"));

        scheduler.advance(5);
        assertEquals(List.of("early"), ran);
        scheduler.advance(995);
        assertEquals(List.of("early", "late"), ran);
    }

    @Test
    void a_task_may_schedule_another_when_it_runs() {
        timers.schedule(10, () -> {
            ran.add("first");
            timers.schedule(10, () -> ran.add("second"));
        });

        scheduler.advance(10);
        assertEquals(List.of("first"), ran);
        scheduler.advance(10);
        assertEquals(List.of("first", "second"), ran);
    }

    @Test
    void nothing_stays_armed_once_everything_is_cancelled_and_the_timer_fired() {
        timers.schedule(10, () -> ran.add("x")).cancel();

        scheduler.advance(10);
        assertEquals(0, scheduler.armed());
        assertEquals(List.of(), ran);
        // The next task arms again.
        timers.schedule(10, () -> ran.add("y"));
        scheduler.advance(10);
        assertEquals(List.of("y"), ran);
    }

    @Test
    void beyond_the_lane_limit_a_task_gets_its_own_timer_and_still_runs() {
        // Decreasing deadlines cannot share a lane: each needs a new one.
        int n = TimerQueue.MAX_LANES + 5;
        List<Timers.Timer> handles = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int d = n - i;
            handles.add(timers.schedule(d, () -> ran.add("d" + d)));
        }
        handles.get(0).cancel();   // the latest one, which has its own timer: cancellable too

        scheduler.advance(n);
        assertEquals(n - 1, ran.size());
        assertTrue(ran.contains("d1") && !ran.contains("d" + n));
    }

    @Test
    void a_failing_task_does_not_stop_the_others() {
        Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
        List<Throwable> reported = new ArrayList<>();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.add(e));
        try {
            timers.schedule(10, () -> {
                throw new IllegalStateException("boom");
            });
            timers.schedule(10, () -> ran.add("after"));

            scheduler.advance(10);
            assertEquals(List.of("after"), ran);
            assertEquals(1, reported.size());
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(before);
        }
    }
}
