package dev.detour.api.provider;

/**
 * What an upstream said of its own quota in one answer's headers (OpenAI's
 * {@code x-ratelimit-*}, Anthropic's {@code anthropic-ratelimit-*}), in the provider-neutral terms
 * core keeps: how many requests and tokens the caller may still send, and in how long each count
 * is whole again. An adapter reads its provider's headers into this and hands it to
 * {@link Call#rateLimits}; core then skips the target before a call the provider would refuse.
 * A field the upstream did not send is {@code -1}.
 *
 * @param requestsRemaining requests the upstream still accepts before its next reset, or -1
 * @param requestsResetMs   milliseconds from when the answer arrived until the request count is
 *                          whole again, or -1
 * @param tokensRemaining   tokens the upstream still accepts before its next reset, or -1
 * @param tokensResetMs     milliseconds from when the answer arrived until the token count is
 *                          whole again, or -1
 */
public record RateLimits(long requestsRemaining, long requestsResetMs, long tokensRemaining, long tokensResetMs) {

    /** Nothing known: what an answer without rate-limit headers says. */
    public static final RateLimits NONE = new RateLimits(-1, -1, -1, -1);

    /** Whether any field is known. */
    public boolean any() {
        return requestsRemaining >= 0 || tokensRemaining >= 0;
    }
}
