package dev.detour.sample.sticky;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Orders targets by weighted rendezvous (highest-random-weight) hashing of a sticky key.
 *
 * <p>The key is the request's metadata field named by the {@code key} option, or the request id
 * when that field is absent or empty. Every target gets a score that depends only on the key, the
 * target's id and its weight; the plan is the targets by score, highest first. So:
 * <ul>
 *   <li>the same key always gets the same plan, on every gateway instance and after restarts;</li>
 *   <li>a target comes first for a share {@code weight / sum of weights} of the keys;</li>
 *   <li>adding or removing a target moves only the keys it gains or had: no other key's
 *       first choice changes (unlike {@code hash(key) % n}).</li>
 * </ul>
 *
 * <p>Health only reorders, in tiers: callable targets before non-callable ones (open breaker),
 * and, with {@code avoid_degraded}, healthy targets before the others. Within a tier the hash
 * order holds, so when a user's target is unwell their requests go to their own second choice,
 * and back once it is healthy again. Nothing is left out: core skips open breakers itself, and a
 * breaker may close before the engine reaches it. A weight of 0 puts a target after the others
 * of its tier. After the plan, core's graduated shift also moves traffic off targets that are not
 * healthy, gradually and with probes; {@code avoid_degraded: false} leaves that to core alone.
 *
 * <p>Runs on the event loop for every request: pure computation, no I/O, no shared mutable state.
 */
final class StickyStrategy implements RoutingStrategy {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private static final Comparator<Ranked> BEST_FIRST = Comparator.comparingInt(Ranked::tier)
            .thenComparing(Comparator.comparingDouble(Ranked::score).reversed());

    private final String key;
    private final boolean avoidDegraded;

    StickyStrategy(String key, boolean avoidDegraded) {
        this.key = key;
        this.avoidDegraded = avoidDegraded;
    }

    @Override
    public List<TargetView> plan(RequestContext request, List<TargetView> candidates) {
        if (candidates.size() <= 1) {
            return List.copyOf(candidates);
        }
        String stickyKey = stickyKey(request);
        List<Ranked> ranked = new ArrayList<>(candidates.size());
        for (TargetView t : candidates) {
            ranked.add(new Ranked(t, tier(t.health()), score(stickyKey, t)));
        }
        ranked.sort(BEST_FIRST); // stable: equal scores keep config order
        return ranked.stream().map(Ranked::target).toList();
    }

    private String stickyKey(RequestContext request) {
        String value = request.metadata().get(key);
        if (value != null && !value.isEmpty()) {
            return value;
        }
        // Without a key, a request still keeps one plan through its own retries.
        return request.requestId() == null ? "" : request.requestId();
    }

    private int tier(TargetHealth health) {
        if (!health.callable()) {
            return 2;
        }
        return avoidDegraded && health.state() != HealthState.HEALTHY ? 1 : 0;
    }

    /**
     * The weighted rendezvous score {@code -weight / ln(u)}, with {@code u} uniform in (0, 1)
     * drawn from {@code hash(key, target)} (weighted HRW's "logarithmic method"): for independent
     * uniform {@code u}, each target has the highest score with probability
     * {@code weight / sum of weights}.
     */
    static double score(String key, TargetView target) {
        double weight = target.weight();
        if (!(weight > 0) || Double.isInfinite(weight)) {
            return 0;
        }
        double u = ((hash(key, target.id()) >>> 11) + 0.5) * 0x1.0p-53; // 53 random bits, never 0 or 1
        return -weight / Math.log(u);
    }

    /**
     * A 64-bit hash of the pair, identical on every JVM ({@code String.hashCode} has too few bits
     * to spread well): FNV-1a over the characters, then MurmurHash3's finaliser because FNV alone
     * leaves short, similar strings poorly mixed.
     */
    static long hash(String key, String targetId) {
        long h = FNV_OFFSET;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * FNV_PRIME;
        }
        // The length separates key from id, so ("ab", "c") and ("a", "bc") differ.
        h = (h ^ key.length()) * FNV_PRIME;
        for (int i = 0; i < targetId.length(); i++) {
            h = (h ^ targetId.charAt(i)) * FNV_PRIME;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private record Ranked(TargetView target, int tier, double score) {
    }
}
