package dev.detour.core.quota;

import dev.detour.api.provider.RateLimits;
import dev.detour.core.health.ManualClock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetQuotaTest {
    final ManualClock clock = new ManualClock();

    @Test
    void configured_rpm_refuses_the_call_past_it_until_the_oldest_leaves_the_minute() {
        TargetQuota q = new TargetQuota(2, 0, clock);
        assertNull(q.refusal(0));
        q.charge(0);
        clock.advanceMillis(10_000);
        q.charge(0);
        assertTrue(q.refusal(0).startsWith("quota: limits.rpm of 2 reached"), q.refusal(0));
        // The first call leaves the (conservative, slotted) minute after at most 61 s.
        assertTrue(q.waitMs(0) >= 50_000L && q.waitMs(0) <= 51_000L, "" + q.waitMs(0));
        clock.advanceMillis(q.waitMs(0) - 1);
        assertNotNull(q.refusal(0));
        clock.advanceMillis(1);
        assertNull(q.refusal(0));
    }

    @Test
    void configured_tpm_counts_estimates_and_corrects_them_from_usage() {
        TargetQuota q = new TargetQuota(0, 1000, clock);
        assertTrue(q.countsTokens());
        long slot = q.charge(900);
        assertTrue(q.refusal(200).startsWith("quota: limits.tpm of 1000 would be exceeded"), q.refusal(200));
        q.correct(slot, 900, 300);   // the answer used far fewer than estimated
        assertNull(q.refusal(200));
        assertEquals(700, q.view().tpmLeft());
    }

    @Test
    void a_call_larger_than_the_whole_tpm_goes_when_the_minute_is_empty() {
        TargetQuota q = new TargetQuota(0, 100, clock);
        assertNull(q.refusal(5000));
        q.charge(5000);
        assertNotNull(q.refusal(1));
    }

    @Test
    void learned_requests_are_counted_down_by_each_call_and_recover_at_the_reset() {
        TargetQuota q = new TargetQuota(0, 0, clock);
        assertFalse(q.countsTokens());
        q.learn(new RateLimits(2, 20_000, -1, -1));
        q.charge(0);
        assertNull(q.refusal(0));
        q.charge(0);
        assertEquals("quota: the upstream has no requests left until its reset in 20s", q.refusal(0));
        assertEquals(0, q.view().rpmLeft());
        assertEquals(clock.now().plusMillis(20_000), q.view().reset());
        clock.advanceMillis(19_999);
        assertNotNull(q.refusal(0));
        clock.advanceMillis(1);
        assertNull(q.refusal(0));
        assertEquals(-1, q.view().rpmLeft());
    }

    @Test
    void the_upstreams_word_replaces_the_count_down() {
        TargetQuota q = new TargetQuota(0, 0, clock);
        q.learn(new RateLimits(0, 5_000, -1, -1));
        assertNotNull(q.refusal(0));
        q.learn(new RateLimits(10, 5_000, -1, -1));
        assertNull(q.refusal(0));
    }

    @Test
    void learned_tokens_refuse_a_request_larger_than_what_is_left() {
        TargetQuota q = new TargetQuota(0, 0, clock);
        q.learn(new RateLimits(100, 1_000, 500, 6_000));
        assertTrue(q.countsTokens());
        assertNull(q.refusal(400));
        assertTrue(q.refusal(600).startsWith("quota: the upstream has 500 tokens left (this request: about 600)"), q.refusal(600));
        assertEquals(6_000, q.waitMs(600));
        q.charge(400);
        assertNotNull(q.refusal(200));
        assertEquals(100, q.view().tpmLeft());
        clock.advanceMillis(6_000);
        assertNull(q.refusal(600));
    }

    @Test
    void a_count_without_a_reset_is_trusted_for_a_minute() {
        TargetQuota q = new TargetQuota(0, 0, clock);
        q.learn(new RateLimits(0, -1, -1, -1));
        clock.advanceMillis(TargetQuota.UNKNOWN_RESET_MS - 1);
        assertNotNull(q.refusal(0));
        clock.advanceMillis(1);
        assertNull(q.refusal(0));
    }

    @Test
    void the_tighter_of_configured_and_learned_is_shown() {
        TargetQuota q = new TargetQuota(10, 0, clock);
        q.charge(0);
        assertEquals(9, q.view().rpmLeft());
        q.learn(new RateLimits(3, 2_000, -1, -1));
        assertEquals(3, q.view().rpmLeft());
        TargetQuota none = new TargetQuota(0, 0, clock);
        assertEquals(new TargetQuota.View(-1, -1, null), none.view());
    }
}
