package dev.detour.core.admission;

import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.GatewayConfig.Priority;

import java.util.HashMap;
import java.util.Map;

/**
 * Load shedding by priority ({@code server.max_in_flight}): whether a request arriving while
 * {@code inFlight} API requests are in flight is refused at once, before its body is read, so a
 * gateway past its capacity keeps serving what matters most instead of slowing everything down.
 *
 * <p>Each priority may take the gateway up to its own ceiling: {@code low} up to
 * {@code max_in_flight}, {@code high} up to 1.25× it ({@code max_in_flight + max(1, max_in_flight / 4)}),
 * {@code normal} halfway between (rounded up, so with a {@code max_in_flight} under 8 normal and
 * high share their ceiling, and low is still shed first). A request's priority is its virtual key's
 * {@code priority} (default normal), which {@code x-detour-priority: high | normal | low} may lower
 * but never raise: a client cannot buy its way past the shedding by a header; without virtual keys
 * the header alone decides (default normal). With keys configured, a request without a known key
 * is {@code low}: it will be refused anyway, and it must not take the place of one that will not.
 *
 * <p>Below {@code max_in_flight} nothing is looked at (one comparison); the key is hashed only
 * when the request may be shed. Confined to the server's event loop.
 */
public final class Shedder {
    private final int lowCeiling;
    private final int normalCeiling;
    private final int highCeiling;
    private final Map<String, GatewayConfig.Key> keysByDigest = new HashMap<>();

    /** A shed request: the priority it was shed at, and the name of the key it presented (null without one). */
    public record Shed(Priority priority, String keyName, int inFlight, int ceiling) {
    }

    /** @param maxInFlight {@code server.max_in_flight}, at least 1 */
    public Shedder(int maxInFlight, Iterable<GatewayConfig.Key> keys) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("max_in_flight must be at least 1, was " + maxInFlight);
        }
        this.lowCeiling = maxInFlight;
        this.highCeiling = maxInFlight + Math.max(1, maxInFlight / 4);
        this.normalCeiling = maxInFlight + (highCeiling - maxInFlight + 1) / 2;
        keys.forEach(k -> keysByDigest.put(k.keySha256(), k));
    }

    /** The shedder of {@code config}, or null when it sets no {@code server.max_in_flight}. */
    public static Shedder of(GatewayConfig config) {
        int max = config.server().maxInFlight();
        return max > 0 ? new Shedder(max, config.keys()) : null;
    }

    /** Whether any request may be shed with {@code inFlight} in flight: below the limit nothing is looked at. */
    public boolean atLimit(int inFlight) {
        return inFlight >= lowCeiling;
    }

    /**
     * Whether a request is shed with {@code inFlight} API requests in flight (itself not counted).
     *
     * @param priorityHeader {@code x-detour-priority}, or null
     * @param authorization  {@code Authorization}, or null
     * @param apiKey         {@code x-api-key}, or null
     * @return the shed, or null when the request goes on
     */
    public Shed shed(int inFlight, String priorityHeader, String authorization, String apiKey) {
        if (!atLimit(inFlight)) {
            return null;
        }
        GatewayConfig.Key key = keysByDigest.isEmpty() ? null : key(authorization, apiKey);
        Priority p = priority(Priority.of(priorityHeader), key);
        int ceiling = ceiling(p);
        return inFlight < ceiling ? null : new Shed(p, key == null ? null : key.name(), inFlight, ceiling);
    }

    /** The most requests in flight a request of {@code p} may join. */
    public int ceiling(Priority p) {
        return switch (p) {
            case LOW -> lowCeiling;
            case NORMAL -> normalCeiling;
            case HIGH -> highCeiling;
        };
    }

    private Priority priority(Priority asked, GatewayConfig.Key key) {
        if (keysByDigest.isEmpty()) {
            return asked == null ? Priority.NORMAL : asked;
        }
        if (key == null) {
            return Priority.LOW;
        }
        // Lower is a larger ordinal: the header may only move it down.
        return asked != null && asked.ordinal() > key.priority().ordinal() ? asked : key.priority();
    }

    /** The key presented, read as {@link Admission#presented} reads it. */
    private GatewayConfig.Key key(String authorization, String apiKey) {
        String presented = Admission.presented(authorization, apiKey);
        return presented == null ? null : keysByDigest.get(ConfigLoader.sha256(presented));
    }
}
