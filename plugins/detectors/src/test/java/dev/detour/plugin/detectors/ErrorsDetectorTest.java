package dev.detour.plugin.detectors;

import dev.detour.api.ErrorKind;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ErrorsDetectorTest {

    private static Stream stream() {
        return new Stream(new ErrorsDetector(ErrorsOptions.defaults()), "openai/gpt-4o");
    }

    @Test
    void isolated_one_percent_errors_move_nothing() {
        Stream s = stream();
        for (int i = 1; i <= 2_000; i++) {
            if (i % 100 == 37) {
                s.fail(ErrorKind.SERVER_ERROR, 503);
            } else {
                s.ok(500, 100);
            }
            assertEquals(0.0, s.severity(), "attempt " + i + ": " + s.last());
        }
    }

    @Test
    void random_one_percent_errors_keep_the_target_healthy() {
        Stream s = stream();
        SplittableRandom random = new SplittableRandom(7);
        double worst = 0;
        for (int i = 1; i <= 10_000; i++) {
            if (random.nextDouble() < 0.01) {
                s.fail(ErrorKind.SERVER_ERROR, 503);
            } else {
                s.ok(500, 100);
            }
            worst = Math.max(worst, s.severity());
        }
        assertTrue(1 - worst >= 0.8, "worst severity " + worst);
    }

    @Test
    void twenty_percent_503s_make_the_target_degraded_within_40_attempts() {
        Stream s = stream();
        for (int i = 1; i <= 500; i++) {
            if (i % 5 == 0) {
                s.fail(ErrorKind.SERVER_ERROR, 503);
            } else {
                s.ok(500, 100);
            }
            if (i >= 40) {
                assertTrue(s.score() < 0.8, "attempt " + i + ": " + s.last());
            }
        }
        // Clearly degraded, not merely at the threshold
        assertTrue(s.severity() >= 0.4, s.last().toString());
    }

    @Test
    void random_twenty_percent_503s_keep_the_target_degraded_almost_always() {
        Stream s = stream();
        SplittableRandom random = new SplittableRandom(11);
        int degraded = 0;
        int judged = 0;
        for (int i = 1; i <= 5_000; i++) {
            if (random.nextDouble() < 0.2) {
                s.fail(ErrorKind.OVERLOADED, 503);
            } else {
                s.ok(500, 100);
            }
            if (i > 40) {
                judged++;
                degraded += s.score() < 0.8 ? 1 : 0;
            }
        }
        assertTrue(degraded >= 0.95 * judged, degraded + " of " + judged);
    }

    @Test
    void a_burst_weighs_more_than_the_same_failures_spread_out() {
        Stream spread = stream();
        Stream burst = stream();
        for (int i = 0; i < 50; i++) {
            if (i % 10 == 5) {
                spread.fail(ErrorKind.SERVER_ERROR, 500);
            } else {
                spread.ok(500, 100);
            }
            if (i >= 45) {
                burst.fail(ErrorKind.SERVER_ERROR, 500);
            } else {
                burst.ok(500, 100);
            }
        }
        // 5 of 50 either way, the burst still going on
        assertTrue(burst.severity() > spread.severity() + 0.1, burst.last() + " vs " + spread.last());
        assertTrue(burst.score() < 0.8, burst.last().toString());
    }

    @Test
    void failures_caused_by_the_request_are_not_judged() {
        Stream s = stream();
        for (ErrorKind k : new ErrorKind[] {ErrorKind.INVALID_REQUEST, ErrorKind.CONTEXT_LENGTH,
                ErrorKind.CONTENT_FILTER, ErrorKind.UNSUPPORTED}) {
            for (int i = 0; i < 30; i++) {
                assertNull(s.fail(k, 400), k.name());
            }
        }
        s.ok(500, 100);
        assertEquals(0.0, s.severity());
        assertEquals("within the normal range", s.last().reason(), "120 request-caused failures weigh nothing");
    }

    @Test
    void a_new_target_starts_neutral_after_one_failure() {
        Stream s = stream();
        s.fail(ErrorKind.TIMEOUT, 0);
        assertEquals(0.0, s.severity(), s.last().toString());
    }

    @Test
    void failures_stop_counting_once_older_than_window_time() {
        Stream s = stream();
        for (int i = 0; i < 20; i++) {
            s.ok(500, 100);
        }
        for (int i = 0; i < 10; i++) {
            s.fail(ErrorKind.SERVER_ERROR, 502);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        // When the target recovers but is only probed now and then (one attempt every 5 s)
        s.every(5 * Stream.SECOND);
        for (int i = 1; i <= 10; i++) {
            s.ok(500, 100);
            if (s.severity() == 0) {
                // Then the failures age out of the 20 s window: at most 5 probes later
                assertTrue(i <= 5, "recovered after " + i);
                return;
            }
        }
        fail("still flagged: " + s.last());
    }

    @Test
    void an_ended_outage_fades_with_fresh_successes_and_with_time() {
        // The low-traffic case: a request every 200 ms, an outage of a few seconds
        Stream s = stream().every(200 * Stream.MS);
        for (int i = 0; i < 50; i++) {
            s.ok(500, 100);
        }
        for (int i = 0; i < 6; i++) {
            s.fail(ErrorKind.SERVER_ERROR, 503);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        // When the target answers again, sparsely (a probe every 2 s): two successes suffice
        s.every(2 * Stream.SECOND);
        s.ok(500, 100);
        s.ok(500, 100);
        assertTrue(s.score() >= 0.9, s.last().toString());
        // And at the request rate, as quickly
        Stream t = stream().every(200 * Stream.MS);
        for (int i = 0; i < 50; i++) {
            t.ok(500, 100);
        }
        for (int i = 0; i < 6; i++) {
            t.fail(ErrorKind.SERVER_ERROR, 503);
        }
        for (int i = 1; i <= 10; i++) {
            t.ok(500, 100);
            if (t.score() >= 0.9) {
                assertTrue(i <= 3, "healthy again after " + i + " successes");
                return;
            }
        }
        fail("still flagged: " + t.last());
    }

    @Test
    void however_long_the_outage_the_success_that_ends_it_leaves_the_target_degraded_at_worst() {
        Stream s = stream().every(200 * Stream.MS);
        for (int i = 0; i < 50; i++) {
            s.ok(500, 100);
        }
        for (int i = 0; i < 40; i++) {
            s.fail(ErrorKind.CONNECTION, 0);
        }
        assertEquals(1.0, s.severity(), s.last().toString());
        s.every(1 * Stream.SECOND);
        s.ok(500, 100);
        assertTrue(s.score() >= 0.7, "back in the plans at once, as degraded at worst: " + s.last());
        s.ok(500, 100);
        assertTrue(s.score() >= 0.9, "healthy after the next success: " + s.last());
    }

    @Test
    void an_outage_still_going_on_keeps_its_weight_between_failed_probes() {
        Stream s = stream().every(200 * Stream.MS);
        for (int i = 0; i < 50; i++) {
            s.ok(500, 100);
        }
        for (int i = 0; i < 6; i++) {
            s.fail(ErrorKind.SERVER_ERROR, 503);
        }
        // Half-open probes every 2 s, still failing: nothing fades, no success ended the outage
        s.every(2 * Stream.SECOND);
        for (int i = 0; i < 5; i++) {
            s.fail(ErrorKind.SERVER_ERROR, 503);
            assertTrue(s.score() < 0.3, s.last().toString());
        }
    }

    @Test
    void returns_to_zero_within_a_window_of_successes_after_recovery() {
        Stream s = stream();
        for (int i = 1; i <= 200; i++) {
            if (i % 5 == 0) {
                s.fail(ErrorKind.SERVER_ERROR, 503);
            } else {
                s.ok(500, 100);
            }
        }
        assertTrue(s.score() < 0.8);
        for (int i = 1; i <= ErrorsOptions.DEFAULT_WINDOW; i++) {
            s.ok(500, 100);
            if (s.severity() == 0) {
                return;
            }
        }
        fail("still flagged after a full window of successes: " + s.last());
    }

    @Test
    void explains_the_signal_with_numbers() {
        Stream s = stream();
        for (int i = 0; i < 17; i++) {
            s.ok(500, 100);
        }
        s.fail(ErrorKind.SERVER_ERROR, 503);
        s.fail(ErrorKind.SERVER_ERROR, 503);
        s.fail(ErrorKind.SERVER_ERROR, 503);
        assertEquals("3 of the last 20 attempts failed (15%), weighted rate 0.25 with bursts; 3 consecutive now",
                s.last().reason());
        assertEquals("errors", s.last().detector());
        assertEquals("openai/gpt-4o", s.last().targetId());
    }
}
