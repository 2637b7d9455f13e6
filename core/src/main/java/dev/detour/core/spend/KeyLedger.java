package dev.detour.core.spend;

import dev.detour.api.Clock;
import dev.detour.core.admission.RateLimiter;
import dev.detour.core.admission.TokenLimiter;
import dev.detour.core.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every virtual key's live limits and spend: its {@code limits.rpm} and {@code limits.tpm}
 * windows, its budget's rolling spend and what requests in flight have reserved of it. Spend is
 * read back from the {@link SpendStore} at start and written to it off the event loop: changed
 * keys are saved together once a second, and once more when the gateway closes (so a hard kill
 * loses at most the last second of spend).
 *
 * <p>Confined to the gateway's event loop, like admission, which is its only writer; nothing here
 * blocks it.
 */
public final class KeyLedger {
    private static final Logger LOG = LoggerFactory.getLogger(KeyLedger.class);
    /** How often changed spend is written to the store. */
    static final long FLUSH_MS = 1000;

    /** One key's state. */
    public static final class KeyState {
        final GatewayConfig.Key key;
        final RateLimiter rpm;
        final TokenLimiter tpm;
        final SpendWindow spend;
        /** USD reserved by its requests in flight. */
        double reserved;
        int inFlight;
        boolean dirty;

        KeyState(GatewayConfig.Key key) {
            this.key = key;
            this.rpm = key.rpm() > 0 ? new RateLimiter(key.rpm(), 60_000) : null;
            this.tpm = key.tpm() > 0 ? new TokenLimiter(key.tpm(), 60_000) : null;
            this.spend = key.budget() != null ? new SpendWindow(key.budget().period().toMillis()) : null;
        }

        /** The key as configured. */
        public GatewayConfig.Key key() {
            return key;
        }

        /** Whether a request of this key needs a {@link Charge}: it has a token limit or a budget. */
        public boolean charged() {
            return tpm != null || spend != null;
        }
    }

    private final Clock clock;
    private final Map<String, KeyState> keys = new LinkedHashMap<>();
    /** Null when no key has a budget: nothing is stored then, and no file is created. */
    private final SpendStore store;
    private Vertx vertx;
    private long timer = -1;
    /** A save is running on a worker: the next waits, so saves never overlap or reorder. */
    private Future<Void> saving = Future.succeededFuture();

    /**
     * The ledger of {@code keys}, with budget spend read back from the store in their data folder.
     * Does file I/O when a key has a budget: call it at start-up, not on the event loop.
     *
     * @throws IllegalStateException when the store cannot be opened
     */
    public static KeyLedger open(Collection<GatewayConfig.Key> keys, Clock clock) {
        Path dir = null;
        for (GatewayConfig.Key k : keys) {
            if (k.budget() != null) {
                dir = k.budget().dataDir();
                break;
            }
        }
        return new KeyLedger(keys, clock, dir == null ? null : SpendStore.open(dir));
    }

    /** A ledger that keeps spend in memory only (tests, and a gateway whose keys have no budget). */
    public static KeyLedger inMemory(Collection<GatewayConfig.Key> keys, Clock clock) {
        return new KeyLedger(keys, clock, null);
    }

    KeyLedger(Collection<GatewayConfig.Key> configured, Clock clock, SpendStore store) {
        this.clock = clock;
        this.store = store;
        for (GatewayConfig.Key k : configured) {
            keys.put(k.name(), new KeyState(k));
        }
        if (store != null) {
            long now = clock.now().toEpochMilli();
            store.load().forEach((name, text) -> {
                KeyState s = this.keys.get(name);
                if (s != null && s.spend != null && !s.spend.decode(text, now)) {
                    LOG.warn("the stored spend of key '{}' is unreadable; it starts from zero", name);
                }
            });
        }
    }

    /** The state of the key named {@code name}, or null for a name not configured. */
    public KeyState state(String name) {
        return keys.get(name);
    }

    /** Every key's state, in config order. */
    public Collection<KeyState> states() {
        return keys.values();
    }

    /**
     * Counts a request against the key's {@code limits.rpm}.
     *
     * @return 0 when within it (or without one), else milliseconds until one more is let in
     */
    public long requestWait(KeyState s) {
        return s.rpm == null ? 0 : s.rpm.tryAcquire(clock.millis());
    }

    /** Milliseconds until {@code tokens} fit the key's {@code limits.tpm}, 0 when they do now (nothing is counted). */
    public long tokensWait(KeyState s, long tokens) {
        if (s.tpm == null) {
            return 0;
        }
        return s.tpm.waitFor(clock.millis(), tokens);
    }

    /** The key's spend in its budget period now, USD (0 without a budget). */
    public double spent(KeyState s) {
        return s.spend == null ? 0 : s.spend.total(clock.now().toEpochMilli());
    }

    /** USD reserved by the key's requests in flight. */
    public double reserved(KeyState s) {
        return s.reserved;
    }

    /** Milliseconds until the key's spend in its period is below its budget (0 when it is). */
    public long budgetWait(KeyState s) {
        return s.spend == null ? 0 : s.spend.millisUntilBelow(clock.now().toEpochMilli(), s.key.budget().usd());
    }

    /** Tokens counted in the key's {@code limits.tpm} window now (0 without one). */
    public long tokensUsed(KeyState s) {
        return s.tpm == null ? 0 : s.tpm.used(clock.millis());
    }

    /** Requests counted in the key's {@code limits.rpm} window now (0 without one). */
    public long requestsUsed(KeyState s) {
        return s.rpm == null ? 0 : s.rpm.used(clock.millis());
    }

    /**
     * Counts an admitted request: {@code tokens} in its tpm window, {@code usd} reserved of its
     * budget, until {@link #settle}.
     */
    public Charge charge(KeyState s, long tokens, double usd) {
        long slot = -1;
        if (s.tpm != null) {
            slot = s.tpm.add(clock.millis(), tokens);
        }
        if (s.spend != null) {
            s.reserved += usd;
        }
        s.inFlight++;
        return new Charge(s, tokens, slot, s.spend == null ? 0 : usd);
    }

    /** Settles a request once it is over: its reservation released, its real tokens and cost counted. */
    public void settle(Charge c) {
        if (!c.settle()) {
            return;
        }
        KeyState s = c.key;
        s.inFlight--;
        if (s.tpm != null) {
            s.tpm.correct(clock.millis(), c.tpmSlot, c.tokens() - c.estimatedTokens);
        }
        if (s.spend != null) {
            s.reserved = s.inFlight == 0 ? 0 : Math.max(0, s.reserved - c.reservedUsd);
            double cost = c.cost();
            if (cost > 0) {
                s.spend.add(clock.now().toEpochMilli(), cost);
                s.dirty = true;
            }
        }
    }

    /** A budget period as the config writes it: {@code 30d}, {@code 12h}, {@code 90m}. */
    public static String period(java.time.Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    /** Starts saving changed spend every second; call on the event loop the gateway serves from. */
    public void start(Vertx vertx) {
        this.vertx = vertx;
        if (store != null && timer < 0) {
            timer = vertx.setPeriodic(FLUSH_MS, id -> flush());
        }
    }

    /** The changed keys' spend, copied; they are no longer changed. */
    private Map<String, SpendWindow.Snapshot> changed() {
        Map<String, SpendWindow.Snapshot> changed = new HashMap<>();
        long now = clock.now().toEpochMilli();
        for (KeyState s : keys.values()) {
            if (s.dirty) {
                s.dirty = false;
                changed.put(s.key.name(), s.spend.snapshot(now));
            }
        }
        return changed;
    }

    /** Encodes and saves {@code changed} (file I/O: off the event loop). */
    private void save(Map<String, SpendWindow.Snapshot> changed) {
        Map<String, String> text = new HashMap<>(changed.size() * 2);
        changed.forEach((name, snapshot) -> text.put(name, snapshot.encode()));
        store.save(text);
    }

    /** Saves the changed keys' spend on a worker (the snapshot is taken here, on the event loop). */
    Future<Void> flush() {
        if (store == null || vertx == null) {
            return Future.succeededFuture();
        }
        Map<String, SpendWindow.Snapshot> changed = changed();
        if (changed.isEmpty()) {
            return saving;
        }
        saving = saving.transform(ignored -> vertx.executeBlocking(() -> {
            save(changed);
            return null;
        }, false).<Void>mapEmpty().recover(e -> {
            LOG.warn("could not save budget spend to {}: {}", SpendStore.FILE, e.getMessage());
            return Future.succeededFuture();
        }));
        return saving;
    }

    /** Saves what changed and closes the store (on a worker). */
    public Future<Void> close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        if (store == null) {
            return Future.succeededFuture();
        }
        if (vertx == null) {
            // Never started (a gateway that failed to start, a test): nothing runs concurrently.
            save(changed());
            store.close();
            return Future.succeededFuture();
        }
        return flush().transform(ignored -> vertx.executeBlocking(() -> {
            store.close();
            return null;
        }, false).mapEmpty());
    }
}
