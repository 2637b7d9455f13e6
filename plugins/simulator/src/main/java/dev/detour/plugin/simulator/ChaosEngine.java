package dev.detour.plugin.simulator;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The fault engine: the faults and statistics of every endpoint name, and the per-call decision.
 * Each name has its own random generator, derived from the seed and the name and reset whenever
 * its faults are set, so one name's draws do not depend on how calls to other names interleave.
 * Thread-safe (tests set faults from their own thread while the event loop serves calls).
 */
final class ChaosEngine {

    private static final RandomGeneratorFactory<RandomGenerator> RANDOM = RandomGeneratorFactory.of("L64X128MixRandom");

    /** What to do with one call. {@code errorStatus} 0 = answer normally. */
    record Decision(boolean down, int errorStatus, Integer retryAfter, long latencyMs, long chunkDelayMs,
                    Integer cutAfterChunks, ChaosFaults.Degrade degrade) {
    }

    private final Long seed;
    private final Map<String, ChaosFaults> faults = new HashMap<>();
    private final Map<String, RandomGenerator> randoms = new HashMap<>();
    private final Map<String, Counter> counters = new HashMap<>();

    ChaosEngine(Long seed, Map<String, ChaosFaults> initial) {
        this.seed = seed;
        initial.forEach(this::setFaults);
    }

    synchronized void setFaults(String name, ChaosFaults f) {
        faults.put(name, f == null ? ChaosFaults.NONE : f);
        randoms.put(name, newRandom(name));
    }

    synchronized void clearFaults(String name) {
        faults.remove(name);
        randoms.remove(name);
    }

    synchronized ChaosFaults faults(String name) {
        return faults.getOrDefault(name, ChaosFaults.NONE);
    }

    synchronized Stats stats(String name) {
        Counter c = counters.get(name);
        if (c == null) {
            return new Stats(name, 0, Map.of(), 0);
        }
        Map<String, Long> byStatus = new TreeMap<>();
        c.byStatus.forEach((k, v) -> byStatus.put(Integer.toString(k), v));
        return new Stats(name, c.calls, byStatus, c.downCloses);
    }

    synchronized void resetStats(String name) {
        counters.remove(name);
    }

    /** Counts the call and decides its fate. */
    synchronized Decision decide(String name) {
        Counter c = counters.computeIfAbsent(name, n -> new Counter());
        c.calls++;
        ChaosFaults f = faults.get(name);
        if (f == null) {
            return new Decision(false, 0, null, 0, 0, null, null);
        }
        if (f.isDown()) {
            c.downCloses++;
            return new Decision(true, 0, null, 0, 0, null, null);
        }
        RandomGenerator rnd = randoms.computeIfAbsent(name, this::newRandom);
        int error = 0;
        if (f.status() != null && f.status() >= 400 && rnd.nextDouble() < f.effectiveRate()) {
            error = f.status();
        }
        long latency = f.latencyMs() == null ? 0 : f.latencyMs();
        if (f.jitterMs() != null && f.jitterMs() > 0) {
            latency += rnd.nextLong(f.jitterMs() + 1);
        }
        Integer retryAfter = error == 429 || error == 503 || error == 529 ? f.retryAfter() : null;
        return new Decision(false, error, retryAfter, latency, f.chunkDelayMs() == null ? 0 : f.chunkDelayMs(),
                f.cutAfterChunks(), f.degrade());
    }

    /** Records the status of an answer sent for {@code name}. */
    synchronized void recordStatus(String name, int status) {
        counters.computeIfAbsent(name, n -> new Counter()).byStatus.merge(status, 1L, Long::sum);
    }

    private RandomGenerator newRandom(String name) {
        if (seed == null) {
            return RANDOM.create();
        }
        // Mix the name in so every name has its own reproducible sequence.
        return RANDOM.create(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
    }

    private static final class Counter {
        long calls;
        long downCloses;
        final Map<Integer, Long> byStatus = new TreeMap<>();
    }
}
