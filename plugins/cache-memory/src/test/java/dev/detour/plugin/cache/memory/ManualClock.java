package dev.detour.plugin.cache.memory;

import dev.detour.api.Clock;

import java.time.Instant;

/** A clock tests advance by hand. */
public final class ManualClock implements Clock {
    private volatile long nanos = 1_000_000_000L;

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public Instant now() {
        return Instant.ofEpochMilli(1_700_000_000_000L + nanos / 1_000_000);
    }

    public void advanceMillis(long ms) {
        nanos += ms * 1_000_000;
    }
}
