package dev.detour.core;

import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.TargetRuntime;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Which route and target served each of the most recent requests, for {@code POST /v1/feedback}.
 * A ring of keyed 64-bit hashes of the request ids beside references to the (long-lived) route
 * and target: recording allocates nothing and retains nothing per request, where a map of ids
 * would keep every id string alive until it is evicted and promote it into the old generation,
 * which the collector then pays for on every young collection. A lookup scans the ring, newest
 * first: a few microseconds, on the rare feedback call. The hash is seeded per process, so ids
 * that collide with another request's cannot be prepared in advance.
 *
 * <p>Not thread-safe: it is recorded and read on the server's one event loop (where every answer
 * is written and every feedback call served), so a lock would only add a monitor to every request.
 */
final class ServedLog {
    private final long[] ids;
    private final RouteRuntime[] routes;
    private final TargetRuntime[] targets;
    /** The name of the virtual key that made each request (null without keys). */
    private final String[] keys;
    /** Whether feedback was already counted for each request. */
    private final boolean[] rated;
    private final long seed = ThreadLocalRandom.current().nextLong() | 1;
    private int next;
    private int size;

    ServedLog(int capacity) {
        ids = new long[capacity];
        routes = new RouteRuntime[capacity];
        targets = new TargetRuntime[capacity];
        keys = new String[capacity];
        rated = new boolean[capacity];
    }

    void add(String requestId, RouteRuntime route, TargetRuntime target, String keyName) {
        ids[next] = hash(requestId);
        routes[next] = route;
        targets[next] = target;
        keys[next] = keyName;
        rated[next] = false;
        next = next + 1 == ids.length ? 0 : next + 1;
        size = Math.min(size + 1, ids.length);
    }

    Gateway.Served find(String requestId) {
        int slot = slot(requestId);
        return slot < 0 ? null : new Gateway.Served(routes[slot], targets[slot]);
    }

    /**
     * Claims the one feedback a request may get: the request must be known, made with the same
     * virtual key ({@code keyName}, null without keys), and not rated before.
     */
    Gateway.FeedbackClaim claimFeedback(String requestId, String keyName) {
        int slot = slot(requestId);
        if (slot < 0 || !java.util.Objects.equals(keys[slot], keyName)) {
            // Another key's request is reported exactly as an unknown one: ids are not a way to probe.
            return new Gateway.FeedbackClaim(null, false);
        }
        if (rated[slot]) {
            return new Gateway.FeedbackClaim(new Gateway.Served(routes[slot], targets[slot]), true);
        }
        rated[slot] = true;
        return new Gateway.FeedbackClaim(new Gateway.Served(routes[slot], targets[slot]), false);
    }

    /** The newest slot holding {@code requestId}, or -1. */
    private int slot(String requestId) {
        long h = hash(requestId);
        for (int i = 0, slot = next; i < size; i++) {
            slot = slot == 0 ? ids.length - 1 : slot - 1;
            if (ids[slot] == h) {
                return slot;
            }
        }
        return -1;
    }

    /** FNV-1a over the UTF-16 units, from a per-process seed, finished with a 64-bit mix. */
    private long hash(String s) {
        long h = seed;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}
