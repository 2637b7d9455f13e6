package dev.detour.core.guard;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.view.RequestContext;

import java.util.List;

/**
 * A route's guardrails ({@code routes.*.guardrails}), in the order configured: built once per
 * loaded config, {@link #open opened} once per request. Immutable; shared by every event loop.
 */
public final class RouteGuards {

    /**
     * One configured guardrail.
     *
     * @param type   its {@code type:}, the name the client and {@code x-detour-guardrails} see
     * @param input  whether it judges requests
     * @param output whether it judges answers
     */
    public record Configured(String type, Guardrail guardrail, boolean input, boolean output) {
    }

    final Configured[] all;

    private RouteGuards(List<Configured> all) {
        this.all = all.toArray(new Configured[0]);
    }

    /** The guardrails of a route, or null when it has none (so a route without any costs nothing). */
    public static RouteGuards of(List<Configured> configured) {
        return configured.isEmpty() ? null : new RouteGuards(configured);
    }

    /**
     * Opens every guardrail's check of one request, in order. The checks live as long as the
     * returned object, which the request alone holds.
     */
    public RequestGuard open(RequestContext context) {
        GuardrailCheck[] checks = new GuardrailCheck[all.length];
        for (int i = 0; i < all.length; i++) {
            checks[i] = all[i].guardrail().open(context);
            if (checks[i] == null) {
                throw new IllegalStateException("guardrail '" + all[i].type() + "' opened no check");
            }
        }
        return new RequestGuard(all, checks);
    }
}
