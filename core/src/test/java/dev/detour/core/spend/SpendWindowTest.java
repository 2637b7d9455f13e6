package dev.detour.core.spend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A budget period's rolling spend on the wall clock, and its round trip through the store's text. */
class SpendWindowTest {
    static final long HOUR = 3_600_000;
    static final long DAY = 24 * HOUR;
    /** Some wall-clock time, on an hour (a 30-day period has one-hour slots). */
    static final long T0 = 1_764_000_000_000L / HOUR * HOUR;

    @Test
    void spend_counts_over_the_rolling_period_and_leaves_it_slot_by_slot() {
        SpendWindow w = new SpendWindow(30 * DAY);
        w.add(T0, 4);
        w.add(T0 + 10 * DAY, 5);
        assertEquals(9, w.total(T0 + 10 * DAY), 1e-9);
        // The first 4 USD leave once its whole hour has left the period: 30 days and one hour on
        assertEquals(9, w.total(T0 + 30 * DAY + HOUR - 1), 1e-9);
        assertEquals(5, w.total(T0 + 30 * DAY + HOUR), 1e-9);
        assertEquals(0, w.total(T0 + 41 * DAY), 1e-9);
    }

    @Test
    void the_wait_until_below_a_limit_is_when_enough_spend_has_left() {
        SpendWindow w = new SpendWindow(DAY);   // two-minute slots
        w.add(T0, 3);
        w.add(T0 + HOUR, 3);
        assertEquals(0, w.millisUntilBelow(T0 + HOUR, 6.5));
        // Below 6 once the first 3 have left: a day and one slot after T0
        assertEquals(DAY + 120_000 - HOUR, w.millisUntilBelow(T0 + HOUR, 6));
        assertEquals(DAY + 120_000 - HOUR, w.millisUntilBelow(T0 + HOUR, 4));
        // Below 3 only when both have left
        assertEquals(DAY + 120_000, w.millisUntilBelow(T0 + HOUR, 3));
    }

    @Test
    void the_spend_survives_a_round_trip_through_its_text_dropping_what_left_the_period() {
        SpendWindow w = new SpendWindow(7 * DAY);
        w.add(T0, 1.25);
        w.add(T0 + 3 * DAY, 0.000_001_5);
        String text = w.encode(T0 + 3 * DAY);

        SpendWindow back = new SpendWindow(7 * DAY);
        assertEquals(true, back.decode(text, T0 + 4 * DAY));
        assertEquals(1.250_001_5, back.total(T0 + 4 * DAY), 1e-12);

        SpendWindow later = new SpendWindow(7 * DAY);
        later.decode(text, T0 + 8 * DAY);
        assertEquals(0.000_001_5, later.total(T0 + 8 * DAY), 1e-12);

        // A period of another length maps each slot by its time
        SpendWindow longer = new SpendWindow(30 * DAY);
        longer.decode(text, T0 + 4 * DAY);
        assertEquals(1.250_001_5, longer.total(T0 + 4 * DAY), 1e-12);
        assertEquals(0.000_001_5, longer.total(T0 + 30 * DAY + 2 * HOUR), 1e-12);

        assertFalse(new SpendWindow(DAY).decode("not a window", T0));
    }
}
