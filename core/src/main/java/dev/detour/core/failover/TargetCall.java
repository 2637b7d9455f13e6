package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Future;

/**
 * One call of one route target outside failover, prepared exactly as the engine prepares an
 * attempt on it: the target's model, its prompt and parameter overrides ({@link Overrides}), the
 * envelope check, and its first-token and total timeouts (the route's over the provider's over
 * the defaults). No retry, no fallback, no breaker permission, no hedge, and nothing recorded in
 * the target's health or statistics: readiness checks ({@code detour check},
 * {@code /admin/readiness}) ask each backup whether it still answers its golden requests, and
 * that question must neither be answered by another target nor disturb the traffic's view of it.
 * Runs on the engine's event loop, like the engine.
 */
public final class TargetCall {
    private TargetCall() {
    }

    /** What one call gave: the answer, or why there is none, and how long it took. */
    public record Outcome(ChatResponse answer, String error, long latencyMs) {
    }

    /**
     * Calls {@code target} of {@code route} once with {@code request} (non-streamed). The returned
     * future always succeeds: a failure is an {@link Outcome} with its reason (scrubbed of every
     * configured secret).
     */
    public static Future<Outcome> chat(FailoverEngine engine, RouteRuntime route, TargetRuntime target,
                                       ChatRequest request, String requestId) {
        long started = engine.clock.nanos();
        String outside = engine.envelope.outside(target);
        if (outside != null) {
            return Future.succeededFuture(new Outcome(null, "outside the envelope: " + outside, 0));
        }
        ProviderAdapter adapter = engine.adapters.get(target.provider());
        if (adapter == null) {
            return Future.succeededFuture(new Outcome(null, "no adapter for provider " + target.provider(), 0));
        }
        Overrides.Prepared<ChatRequest> prepared;
        try {
            prepared = Overrides.forTarget(route, target, request.toBuilder().stream(false).build(), null);
        } catch (RuntimeException e) {
            return Future.succeededFuture(new Outcome(null, "the target's overrides make an invalid request: "
                    + engine.scrubber().scrub(String.valueOf(e.getMessage())), 0));
        }
        GatewayConfig.Timeouts timeouts = route.policy().timeouts().over(target.providerConfig().timeouts())
                .over(GatewayConfig.Timeouts.DEFAULTS);
        long deadline = started + timeouts.total().toNanos();
        Attempt<ChatResponse> a = new Attempt<>(target, null, requestId, timeouts, started, deadline, engine.timers,
                engine.clock, prepared.inbound());
        a.armFirstToken();
        Future<ChatResponse> f;
        try {
            f = adapter.chat(prepared.request(), a.call);
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        a.follow(f);
        return a.outcome().transform(ar -> {
            a.end();
            long ms = a.latencyMs(engine.clock.nanos());
            if (ar.succeeded()) {
                return Future.succeededFuture(new Outcome(ar.result(), null, ms));
            }
            Throwable c = ar.cause();
            String why = c instanceof ProviderException pe
                    ? pe.kind().configName() + (pe.status() > 0 ? " " + pe.status() : "") + ": " + pe.getMessage()
                    : ErrorKind.UNKNOWN.configName() + ": " + c;
            return Future.succeededFuture(new Outcome(null, engine.scrubber().scrub(why), ms));
        });
    }
}
