package dev.detour.core.quota;

import dev.detour.api.Clock;
import dev.detour.api.provider.RateLimits;

import java.time.Instant;

/**
 * One target's provider quota: the configured {@code providers.*.limits.rpm}/{@code tpm}, counted
 * here over a sliding minute, and what the upstream itself last said of its quota in its
 * rate-limit headers ({@link RateLimits}), counted down by each call sent since, until the reset it
 * named. The engine asks {@link #refusal} before each call and skips the target (reason in the
 * attempts list) while the call would exceed either, so failover moves on without a 429 round
 * trip; it {@link #charge charges} each call it sends and {@link #correct corrects} the token
 * estimate from the answer's usage.
 *
 * <p>Tokens are estimated before the call (prompt text plus the requested output limit, the
 * engine's one estimator) and, for the configured {@code tpm}, corrected from the answer's usage.
 * What the upstream says replaces what was counted down at each answer, so its own count (which
 * includes other clients of the same key) always wins once it speaks. A count whose reset the
 * upstream did not name is trusted for {@value #UNKNOWN_RESET_MS} ms, the window of a per-minute
 * quota. A single call larger than the whole configured {@code tpm} is let through when the window
 * is empty, rather than never.
 *
 * <p>Not thread-safe: the gateway's event loop only (adapters hand headers back on it).
 */
public final class TargetQuota {
    /** How long a learned count is trusted when the upstream named no reset. */
    static final long UNKNOWN_RESET_MS = 60_000;

    private final int rpm;
    private final long tpm;
    private final Clock clock;
    private final Window requests;
    private final Window tokens;
    /** Requests left by the upstream's last word, counted down since; -1 when it said nothing. */
    private long learnedRequests = -1;
    private long requestsUntilMs;
    /** Tokens left by the upstream's last word, counted down since; -1 when it said nothing. */
    private long learnedTokens = -1;
    private long tokensUntilMs;

    /**
     * @param rpm   the configured requests per minute, 0 for none
     * @param tpm   the configured tokens per minute, 0 for none
     * @param clock the clock windows and resets are kept on
     */
    public TargetQuota(int rpm, long tpm, Clock clock) {
        this.rpm = rpm;
        this.tpm = tpm;
        this.clock = clock;
        this.requests = rpm > 0 ? new Window() : null;
        this.tokens = tpm > 0 ? new Window() : null;
    }

    /** Whether a call's token estimate matters now (a {@code tpm} is configured, or the upstream spoke of tokens). */
    public boolean countsTokens() {
        return tokens != null || learnedTokens >= 0;
    }

    /**
     * Why a call of about {@code estimate} tokens cannot go to this target now, or null when it can.
     * The reason starts with {@code quota:} and says when the quota frees.
     */
    public String refusal(long estimate) {
        long now = nowMs();
        if (learnedRequests == 0 && now < requestsUntilMs) {
            return "quota: the upstream has no requests left until its reset in " + seconds(requestsUntilMs - now);
        }
        if (learnedTokens >= 0 && now < tokensUntilMs && learnedTokens < Math.max(1, estimate)) {
            return "quota: the upstream has " + learnedTokens + " tokens left (this request: about " + estimate
                    + ") until its reset in " + seconds(tokensUntilMs - now);
        }
        if (requests != null && requests.sum(now) >= rpm) {
            return "quota: limits.rpm of " + rpm + " reached; the next call frees in "
                    + seconds(requests.msUntil(rpm - 1, now));
        }
        if (tokens != null) {
            long used = tokens.sum(now);
            if (used > 0 && used + estimate > tpm) {
                return "quota: limits.tpm of " + tpm + " would be exceeded (used " + used + ", this request about "
                        + estimate + "); room in " + seconds(tokens.msUntil(Math.max(0, tpm - estimate), now));
            }
        }
        return null;
    }

    /**
     * Milliseconds until a call of about {@code estimate} tokens may go (0: now): the longest of
     * the waits of each count that holds it back.
     */
    public long waitMs(long estimate) {
        long now = nowMs();
        long wait = 0;
        if (learnedRequests == 0 && now < requestsUntilMs) {
            wait = requestsUntilMs - now;
        }
        if (learnedTokens >= 0 && now < tokensUntilMs && learnedTokens < Math.max(1, estimate)) {
            wait = Math.max(wait, tokensUntilMs - now);
        }
        if (requests != null) {
            wait = Math.max(wait, requests.msUntil(rpm - 1, now));
        }
        if (tokens != null && tokens.sum(now) > 0) {
            wait = Math.max(wait, tokens.msUntil(Math.max(0, tpm - estimate), now));
        }
        return wait;
    }

    /**
     * A call of about {@code estimate} tokens is sent: it counts in the configured windows and
     * comes off what the upstream said is left.
     *
     * @return the token slot it was counted in, for {@link #correct}; -1 when tokens are not counted
     */
    public long charge(long estimate) {
        long now = nowMs();
        if (requests != null) {
            requests.add(1, now);
        }
        if (learnedRequests > 0 && now < requestsUntilMs) {
            learnedRequests--;
        }
        if (learnedTokens > 0 && now < tokensUntilMs) {
            learnedTokens = Math.max(0, learnedTokens - estimate);
        }
        return tokens == null ? -1 : tokens.add(estimate, now);
    }

    /** The answer to a call {@link #charge charged} {@code estimate} tokens in {@code slot} used {@code actual}. */
    public void correct(long slot, long estimate, long actual) {
        if (tokens != null && slot >= 0 && actual >= 0) {
            tokens.adjust(slot, actual - estimate, nowMs());
        }
    }

    /** What the upstream's answer said of its quota; replaces what was counted down since its last word. */
    public void learn(RateLimits limits) {
        long now = nowMs();
        if (limits.requestsRemaining() >= 0) {
            learnedRequests = limits.requestsRemaining();
            requestsUntilMs = now + (limits.requestsResetMs() >= 0 ? limits.requestsResetMs() : UNKNOWN_RESET_MS);
        }
        if (limits.tokensRemaining() >= 0) {
            learnedTokens = limits.tokensRemaining();
            tokensUntilMs = now + (limits.tokensResetMs() >= 0 ? limits.tokensResetMs() : UNKNOWN_RESET_MS);
        }
    }

    /**
     * The quota as {@code /admin/targets} shows it.
     *
     * @param rpmLeft requests left this minute (the tighter of the configured limit and the
     *                upstream's word), or -1 when neither counts
     * @param tpmLeft tokens left, likewise, or -1
     * @param reset   when the target may be called again if it is at its quota, else when the counts
     *                shown are whole again; null when nothing is counted
     */
    public record View(long rpmLeft, long tpmLeft, Instant reset) {
    }

    /** The quota now. */
    public View view() {
        long now = nowMs();
        long rpmLeft = -1;
        long tpmLeft = -1;
        long resetMs = -1;
        if (requests != null) {
            rpmLeft = Math.max(0, rpm - requests.sum(now));
            resetMs = requests.msUntil(0, now);
        }
        if (tokens != null) {
            tpmLeft = Math.max(0, tpm - tokens.sum(now));
            resetMs = Math.max(resetMs, tokens.msUntil(0, now));
        }
        if (learnedRequests >= 0 && now < requestsUntilMs) {
            rpmLeft = rpmLeft < 0 ? learnedRequests : Math.min(rpmLeft, learnedRequests);
            resetMs = Math.max(resetMs, requestsUntilMs - now);
        }
        if (learnedTokens >= 0 && now < tokensUntilMs) {
            tpmLeft = tpmLeft < 0 ? learnedTokens : Math.min(tpmLeft, learnedTokens);
            resetMs = Math.max(resetMs, tokensUntilMs - now);
        }
        if (refusal(0) != null) {
            resetMs = waitMs(0);
        }
        return new View(rpmLeft, tpmLeft, resetMs <= 0 ? null : clock.now().plusMillis(resetMs));
    }

    private long nowMs() {
        return clock.nanos() / 1_000_000;
    }

    private static String seconds(long ms) {
        return ms < 1000 ? ms + "ms" : (ms + 999) / 1000 + "s";
    }
}
