package dev.detour.core.admission;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tpm window: estimates counted, corrected after, and a wait that is true. */
class TokenLimiterTest {
    final TokenLimiter tpm = new TokenLimiter(1000, 60_000);

    @Test
    void tokens_that_do_not_fit_wait_until_enough_have_left_the_window() {
        assertEquals(0, tpm.tryAcquire(0, 600));
        assertEquals(0, tpm.tryAcquire(5_000, 300));
        // 600 + 300 counted: 200 more do not fit until the 600 of slot 0 have left (at 61 s)
        assertEquals(56_000, tpm.waitFor(5_000, 200));
        assertEquals(0, tpm.tryAcquire(5_000, 100), "100 still fit");
        assertEquals(1, tpm.waitFor(60_999, 200));
        assertEquals(0, tpm.tryAcquire(61_000, 200), "admitted exactly when the wait said");
        assertEquals(600, tpm.used(61_000));
    }

    @Test
    void a_correction_replaces_the_estimate_in_the_slot_it_was_counted_in() {
        long slot = tpm.slot(1_500);
        tpm.add(1_500, 900);
        // The slot of 1.5 s (1 s to 2 s) leaves the window at 62 s
        assertEquals(60_500, tpm.waitFor(1_500, 500));
        // The answer used 200 tokens, not 900
        tpm.correct(3_000, slot, 200 - 900);
        assertEquals(200, tpm.used(3_000));
        assertEquals(0, tpm.waitFor(3_000, 500));
        // A correction for a slot that already left the window changes nothing
        tpm.correct(70_000, slot, 5_000);
        assertEquals(0, tpm.used(70_000));
    }

    @Test
    void a_request_bigger_than_the_limit_is_let_into_an_empty_window_only() {
        assertEquals(0, tpm.tryAcquire(0, 5_000));
        assertEquals(61_000, tpm.waitFor(0, 5_000));
        assertEquals(61_000, tpm.waitFor(0, 1));
        assertEquals(0, tpm.tryAcquire(61_000, 5_000));
    }
}
