package dev.detour.api;

import java.time.Instant;

/**
 * The time source every time-dependent piece uses, so tests can advance it instead of sleeping.
 * {@link #nanos()} is monotonic; {@link #now()} is wall-clock.
 */
public interface Clock {

    /** Monotonic nanoseconds, for durations and windows. */
    long nanos();

    /** Monotonic milliseconds, derived from {@link #nanos()}. */
    default long millis() {
        return nanos() / 1_000_000L;
    }

    /** Wall-clock time, for timestamps that leave the process. */
    Instant now();

    /** The system clock. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };
}
