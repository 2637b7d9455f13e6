package dev.detour.core.admission;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimiterTest {

    @Test
    void never_admits_more_than_the_limit_across_a_window_boundary() {
        // Given 30 per minute, 30 requests in the last second of one minute
        RateLimiter limiter = new RateLimiter(30, 60_000);
        long t = 59_000;
        int admitted = 0;
        for (int i = 0; i < 30; i++) {
            admitted += limiter.tryAcquire(t + i) == 0 ? 1 : 0;
        }
        // When 30 more arrive in the first seconds of the next minute (a fixed window would take them all)
        for (int i = 0; i < 30; i++) {
            admitted += limiter.tryAcquire(61_000 + i * 100) == 0 ? 1 : 0;
        }
        // Then only the first 30 were admitted
        assertEquals(30, admitted);
    }

    @Test
    void retry_after_is_when_the_oldest_request_has_left_the_window() {
        RateLimiter limiter = new RateLimiter(2, 60_000);
        assertEquals(0, limiter.tryAcquire(10_500));
        assertEquals(0, limiter.tryAcquire(20_000));
        long wait = limiter.tryAcquire(30_000);
        // The first request (slot 10 s) leaves once slot 71 s begins.
        assertEquals(71_000 - 30_000, wait);
        assertTrue(limiter.tryAcquire(30_000 + wait - 1) > 0);
        assertEquals(0, limiter.tryAcquire(30_000 + wait));
    }

    @Test
    void holds_the_limit_over_every_window_for_random_arrivals() {
        Random random = new Random(42);
        int limit = 17;
        long window = 6_000;
        RateLimiter limiter = new RateLimiter(limit, window);
        ArrayDeque<Long> admitted = new ArrayDeque<>();
        long t = 0;
        int total = 0;
        for (int i = 0; i < 20_000; i++) {
            t += random.nextInt(200);
            if (limiter.tryAcquire(t) == 0) {
                admitted.addLast(t);
                total++;
                while (admitted.peekFirst() <= t - window) {
                    admitted.removeFirst();
                }
                assertTrue(admitted.size() <= limit, "more than " + limit + " in a window ending at " + t);
            }
        }
        // ... and it is not starved: close to the limit per window over the run
        assertTrue(total >= (t / window) * limit * 0.9, "admitted " + total);
    }

    @Test
    void a_long_pause_empties_the_window() {
        RateLimiter limiter = new RateLimiter(1, 60_000);
        assertEquals(0, limiter.tryAcquire(0));
        assertTrue(limiter.tryAcquire(1_000) > 0);
        assertEquals(0, limiter.tryAcquire(10_000_000));
        assertEquals(1, limiter.used(10_000_000));
    }
}
