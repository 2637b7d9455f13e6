package dev.detour.sample.sticky;

import dev.detour.api.Clock;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.StrategyContext;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StickyStrategyTest {

    private static final List<TargetView> THREE = List.of(TestTarget.of("a/m"), TestTarget.of("b/m"),
            TestTarget.of("c/m"));

    private static RoutingStrategy strategy(StickyOptions options) {
        // A random source that fails the test if used: stickiness must not depend on chance.
        RandomGenerator noDice = () -> {
            throw new AssertionError("sticky must not draw random numbers");
        };
        StrategyContext context = new StrategyContext("chat", Clock.SYSTEM, noDice);
        return new StickyStrategyFactory().create(options, context);
    }

    private static RoutingStrategy strategy() {
        return strategy(StickyOptions.defaults());
    }

    private static RequestContext request(String requestId, Map<String, String> metadata) {
        return new RequestContext(requestId, "chat", null, null, null, metadata, null, false, "openai");
    }

    private static RequestContext user(String user) {
        return request("req-" + user, Map.of("user", user));
    }

    private static List<String> ids(List<TargetView> plan) {
        return plan.stream().map(TargetView::id).toList();
    }

    /** {@code count} distinct keys, the same on every run. */
    private static List<String> keys(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        Set<String> keys = new HashSet<>();
        while (keys.size() < count) {
            keys.add("user-" + Long.toHexString(random.nextLong()));
        }
        return List.copyOf(keys);
    }

    /** A key whose plan starts with {@code first} over the given candidates. */
    private static String keyLeadingTo(String first, RoutingStrategy strategy, List<TargetView> candidates) {
        for (String key : keys(11, 1_000)) {
            if (strategy.plan(user(key), candidates).get(0).id().equals(first)) {
                return key;
            }
        }
        throw new AssertionError("no key leads to " + first);
    }

    @Test
    void keeps_the_same_key_on_the_same_target_across_requests() {
        // Given alice's plan for one request
        RoutingStrategy strategy = strategy();
        List<String> first = ids(strategy.plan(request("req-0", Map.of("user", "alice")), THREE));

        // When she sends many more requests, each with its own request id, also through a new instance
        RoutingStrategy restarted = strategy();
        for (int i = 1; i <= 1_000; i++) {
            RequestContext next = request("req-" + i, Map.of("user", "alice", "turn", Integer.toString(i)));
            // Then every plan is the same, in full
            assertEquals(first, ids(strategy.plan(next, THREE)));
            assertEquals(first, ids(restarted.plan(next, THREE)));
        }
        assertEquals(Set.of("a/m", "b/m", "c/m"), Set.copyOf(first));
    }

    @Test
    void spreads_keys_over_targets_in_proportion_to_their_weights() {
        // Given weights 1 : 3 : 6
        RoutingStrategy strategy = strategy();
        List<TargetView> candidates = List.of(TestTarget.of("a/m", 1), TestTarget.of("b/m", 3),
                TestTarget.of("c/m", 6));
        List<String> keys = keys(42, 20_000);

        // When each of 20,000 users is planned
        Map<String, Integer> firsts = new HashMap<>();
        for (String key : keys) {
            firsts.merge(strategy.plan(user(key), candidates).get(0).id(), 1, Integer::sum);
        }

        // Then each target leads for about weight/sum of the users (±2 points; seeded keys make this deterministic)
        assertShare(0.1, firsts.get("a/m"), keys.size());
        assertShare(0.3, firsts.get("b/m"), keys.size());
        assertShare(0.6, firsts.get("c/m"), keys.size());
    }

    private static void assertShare(double expected, Integer count, int total) {
        double share = count == null ? 0 : count / (double) total;
        assertTrue(Math.abs(share - expected) < 0.02, "share " + share + " is not within 0.02 of " + expected);
    }

    @Test
    void removing_a_target_moves_only_the_keys_that_were_on_it() {
        // Given four targets and where 5,000 users land on them
        RoutingStrategy strategy = strategy();
        List<TargetView> before = List.of(TestTarget.of("a/m"), TestTarget.of("b/m", 2), TestTarget.of("c/m"),
                TestTarget.of("d/m"));
        List<TargetView> after = List.of(before.get(0), before.get(1), before.get(3));

        // When c/m is removed from the route
        int moved = 0;
        for (String key : keys(7, 5_000)) {
            String was = strategy.plan(user(key), before).get(0).id();
            List<String> now = ids(strategy.plan(user(key), after));
            if (was.equals("c/m")) {
                moved++;
                // Then its users go to their own second choice...
                assertEquals(ids(strategy.plan(user(key), before)).get(1), now.get(0));
            } else {
                // ...and nobody else moves
                assertEquals(was, now.get(0), key);
            }
        }
        assertShare(0.2, moved, 5_000);
    }

    @Test
    void adding_a_target_takes_keys_only_for_itself() {
        // Given three targets
        RoutingStrategy strategy = strategy();
        List<TargetView> after = new ArrayList<>(THREE);
        after.add(TestTarget.of("d/m"));

        // When d/m is added
        int moved = 0;
        for (String key : keys(8, 5_000)) {
            String was = strategy.plan(user(key), THREE).get(0).id();
            String now = strategy.plan(user(key), after).get(0).id();
            if (!now.equals(was)) {
                moved++;
                // Then every user who moves, moves to the new target
                assertEquals("d/m", now, key);
            }
        }
        // ...and about a quarter of them do
        assertShare(0.25, moved, 5_000);
    }

    @Test
    void puts_non_callable_targets_last() {
        // Given a user whose first choice's breaker opens
        RoutingStrategy strategy = strategy();
        String key = keyLeadingTo("b/m", strategy, THREE);
        List<String> healthy = ids(strategy.plan(user(key), THREE));
        List<TargetView> bDown = List.of(THREE.get(0), TestTarget.of("b/m").down(), THREE.get(2));

        // When planned again
        List<String> plan = ids(strategy.plan(user(key), bDown));

        // Then b/m is last but still in the plan, and the others keep their relative order
        assertEquals(List.of(healthy.get(1), healthy.get(2), "b/m"), plan);
    }

    @Test
    void puts_degraded_targets_after_healthy_ones_when_avoid_degraded() {
        // Given a user whose first choice is degraded, and one target down
        RoutingStrategy strategy = strategy();
        List<TargetView> four = List.of(TestTarget.of("a/m"), TestTarget.of("b/m"), TestTarget.of("c/m"),
                TestTarget.of("d/m"));
        String key = keyLeadingTo("b/m", strategy, four);
        List<String> healthy = ids(strategy.plan(user(key), four));
        String down = healthy.get(1);
        List<TargetView> mixed = four.stream()
                .map(t -> t.id().equals("b/m") ? ((TestTarget) t).degraded()
                        : t.id().equals(down) ? ((TestTarget) t).down() : t)
                .toList();

        // When planned again
        List<String> plan = ids(strategy.plan(user(key), mixed));

        // Then healthy targets (in hash order), then degraded b/m, then the one that is down
        assertEquals(List.of(healthy.get(2), healthy.get(3), "b/m", down), plan);
    }

    @Test
    void keeps_degraded_targets_in_place_when_avoid_degraded_is_false() {
        // Given a user whose first choice is degraded, with avoid_degraded: false
        RoutingStrategy strategy = strategy(new StickyOptions(null, false));
        String key = keyLeadingTo("b/m", strategy, THREE);
        List<TargetView> bDegraded = List.of(THREE.get(0), TestTarget.of("b/m").degraded(), THREE.get(2));

        // Then the user stays on it (core's own degradation shift still applies after the plan)
        assertEquals(ids(strategy.plan(user(key), THREE)), ids(strategy.plan(user(key), bDegraded)));
    }

    @Test
    void reads_the_metadata_field_named_by_the_key_option() {
        // Given key: conversation
        RoutingStrategy strategy = strategy(new StickyOptions("conversation", null));

        // When one conversation is continued by different users
        List<String> first = ids(strategy.plan(request("r0", Map.of("conversation", "c-1", "user", "u0")), THREE));
        Set<String> leads = new HashSet<>();
        for (int i = 1; i < 200; i++) {
            List<String> plan = ids(strategy.plan(request("r" + i, Map.of("conversation", "c-1", "user", "u" + i)),
                    THREE));
            // Then the conversation stays put, whoever sends it
            assertEquals(first, plan);
            leads.add(strategy.plan(request("r" + i, Map.of("conversation", "c-" + i)), THREE).get(0).id());
        }
        // ...while different conversations spread
        assertEquals(3, leads.size());
    }

    @Test
    void falls_back_to_the_request_id_when_the_metadata_field_is_missing() {
        // Given requests that carry no `user` field (or an empty one)
        RoutingStrategy strategy = strategy();
        Set<String> leads = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            RequestContext r = request("req-" + i, i % 2 == 0 ? Map.of() : Map.of("user", ""));
            // Then one request always gets the same plan (its retries and fallbacks stay coherent)...
            assertEquals(ids(strategy.plan(r, THREE)), ids(strategy.plan(request("req-" + i, Map.of()), THREE)));
            leads.add(strategy.plan(r, THREE).get(0).id());
        }
        // ...and different requests spread over every target
        assertEquals(3, leads.size());
    }

    @Test
    void puts_zero_weight_targets_after_the_others_of_their_tier() {
        // Given a spare with weight 0 listed first, and a target that is down
        RoutingStrategy strategy = strategy();
        List<TargetView> candidates = List.of(TestTarget.of("spare/m", 0), TestTarget.of("a/m"),
                TestTarget.of("b/m").down());

        for (String key : keys(3, 500)) {
            // Then the spare is never first, yet still ahead of the target that is down
            assertEquals(List.of("a/m", "spare/m", "b/m"), ids(strategy.plan(user(key), candidates)));
        }
    }

    @Test
    void returns_a_single_candidate_unchanged() {
        List<TargetView> one = List.of(TestTarget.of("a/m").down());
        assertEquals(List.of("a/m"), ids(strategy().plan(user("alice"), one)));
        assertEquals(List.of(), strategy().plan(user("alice"), List.of()));
    }

    @Test
    void is_listed_in_the_pf4j_extension_index() throws IOException {
        // The index is what PF4J reads from the jar; without it the plugin contributes nothing.
        // Compiling the tests writes an index of its own (empty) too, so look at every copy.
        List<String> indexed = new ArrayList<>();
        Enumeration<URL> indexes = getClass().getClassLoader().getResources("META-INF/extensions.idx");
        while (indexes.hasMoreElements()) {
            try (InputStream in = indexes.nextElement().openStream()) {
                new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().forEach(indexed::add);
            }
        }
        assertTrue(indexed.contains(StickyStrategyFactory.class.getName()),
                "not in META-INF/extensions.idx (is pf4j an annotation processor?): " + indexed);
        assertEquals("sticky", new StickyStrategyFactory().type());
        assertEquals(StickyOptions.class, new StickyStrategyFactory().optionsType());
    }
}
