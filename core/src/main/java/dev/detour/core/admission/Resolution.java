package dev.detour.core.admission;

import dev.detour.core.failover.RouteRuntime;

/**
 * What a client's {@code model} resolves to: a route, or a refusal and why.
 *
 * @param route   the route, or null when refused
 * @param refusal why not, or null when {@code route} is set
 * @param reason  a message for the client naming the problem (without the name when it is unprintable), or null
 */
public record Resolution(RouteRuntime route, Refusal refusal, String reason) {

    /** Why a client's {@code model} leads to no route. */
    public enum Refusal {
        /** The name itself is impossible (control characters, too long, not a model of its provider). */
        INVALID_NAME,
        /** Neither a configured route nor {@code provider/model} of a configured provider inside the envelope. */
        UNKNOWN,
        /** The client's key may not use the name. */
        NOT_ALLOWED,
        /** Every one of the {@link dev.detour.core.Gateway#MAX_DIRECT_TARGETS} direct targets has a call in flight. */
        DIRECT_TABLE_FULL
    }
}
