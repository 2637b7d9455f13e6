package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.guard.RequestGuard;
import dev.detour.core.health.TargetRuntime;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a failure that is not retried leads to: the route's next target, the failure returned to
 * the client as it is, or the end of the request. And what the client gets when no target is left.
 */
final class FallbackPolicy {
    private FallbackPolicy() {
    }

    /** Where a request goes after a failure that is not retried. */
    enum Step {
        /** On to the route's next target. */
        NEXT_TARGET,
        /** The failure goes back to the client as it is ({@link #clientStatus} says with which status). */
        RETURN,
        /** No other target is worth trying: the request ends as if the plan were exhausted. */
        END
    }

    /**
     * The step after {@code e}. A route moves on when {@code fallback_on} lists the failure's status
     * or kind (or its kind {@link ErrorKind#alwaysFallsBack() always falls back}); a direct call
     * names one target and never does. Otherwise a 4xx for the client is returned as it is, and
     * anything else ends the request.
     */
    static Step after(GatewayConfig.FallbackOn rule, boolean direct, ProviderException e) {
        if (!direct && movesOn(rule, e)) {
            return Step.NEXT_TARGET;
        }
        int status = clientStatus(e, direct);
        return status >= 400 && status < 500 ? Step.RETURN : Step.END;
    }

    private static boolean movesOn(GatewayConfig.FallbackOn rule, ProviderException e) {
        return e.kind().alwaysFallsBack() || (e.status() > 0 && e.status() != 200 && rule.statuses().contains(e.status()))
                || rule.kinds().contains(e.kind().configName());
    }

    /**
     * The status the client sees for {@code e}. With no upstream status the adapter refused to
     * build the request (ProviderAdapter's contract): a client fault, or a refusal by the one target
     * a direct call names, is the client's request at fault, not the upstream: 400, not 502.
     */
    static int clientStatus(ProviderException e, boolean direct) {
        return e.status() == 0 && (e.kind().clientFault() || direct && e.kind().refusal()) ? 400 : e.status();
    }

    /** The failure {@code e} returned to the client as it is, with its Retry-After when the upstream sent one. */
    static EngineResult.Failure returned(ProviderException e, boolean direct) {
        int status = clientStatus(e, direct);
        return new EngineResult.Failure(status, FailoverEngine.errorType(status), e.providerCode() != null
                ? e.providerCode() : e.kind().configName(), e.getMessage(),
                e.retryAfter() == null ? 0 : Math.max(1, e.retryAfter().toSeconds()));
    }

    /**
     * What the client gets when the plan is exhausted (the message is not yet scrubbed): 503 when
     * no target could be called, 400 when every call was refused as a request none can take, 504
     * when the last failure was a timeout, else 502.
     *
     * @param skips why targets were skipped without a call ({@code target: reason}), or null
     * @param last  the last call's failure, or null
     */
    static EngineResult.Failure exhausted(RouteRuntime route, List<AttemptRecord> attempts, List<String> skips,
                                          ProviderException last) {
        if (EngineResult.calls(attempts) == 0) {
            return failure(503, "no_target_available", "no target of route '" + route.name() + "' could be called"
                    + (skips == null ? "" : " (" + String.join("; ", skips) + ")"));
        }
        if (last != null && RequestGuard.refused(last)) {
            // Every answer was refused by a guardrail: the request's content is at fault.
            return new EngineResult.Failure(400, "invalid_request_error", RequestGuard.DENIED, "no answer from route '"
                    + route.name() + "' passed its guardrails; last: " + last.getMessage(), 0);
        }
        if (onlyRefused(attempts, last)) {
            // Every target refused the request itself (a feature or a form none of them can
            // take): the request is at fault, not the upstreams, and no other target helps.
            String code = last.providerCode() != null ? last.providerCode() : last.kind().configName();
            return failure(400, code, "no target of route '" + route.name() + "' can serve this request; last refusal: "
                    + last.getMessage());
        }
        if (last != null && last.kind() == ErrorKind.TIMEOUT) {
            return failure(504, "upstream_timeout", summary(route, attempts, last));
        }
        return failure(502, "all_targets_failed", summary(route, attempts, last));
    }

    /** The request was abandoned: the client left (499), or the gateway's shutdown grace ran out (503). */
    static EngineResult.Failure aborted(boolean byShutdown) {
        return byShutdown
                ? failure(503, "shutting_down", "the gateway is shutting down and its shutdown grace ran out")
                : failure(499, "client_closed", "the client closed the connection");
    }

    /** A committed stream failed: the client has content already, so no other target can take over. */
    static EngineResult.Failure interrupted(TargetRuntime t, ProviderException e) {
        return new EngineResult.Failure(502, "gateway_error", "stream_interrupted",
                "the stream from '" + t.id() + "' failed after it had started: " + e.getMessage(), 0);
    }

    /** An answer the client was already receiving, denied by a guardrail: {@code guardrail_denied}. */
    static EngineResult.Failure denied(ProviderException e) {
        return new EngineResult.Failure(400, "invalid_request_error", RequestGuard.DENIED, e.getMessage(), 0);
    }

    /** {@code f} ending a stream that had started: {@code stream_interrupted}, with {@code f}'s reason. */
    static EngineResult.Failure cut(EngineResult.Failure f) {
        return new EngineResult.Failure(f.status(), "gateway_error", "stream_interrupted", f.message(), 0);
    }

    /** A failure of the gateway's own, without Retry-After. */
    static EngineResult.Failure failure(int status, String code, String message) {
        return new EngineResult.Failure(status, FailoverEngine.errorType(status), code, message, 0);
    }

    /** Whether every upstream call ended with the target refusing the request. */
    private static boolean onlyRefused(List<AttemptRecord> attempts, ProviderException last) {
        if (last == null) {
            return false;
        }
        for (AttemptRecord a : attempts) {
            if (a.called()) {
                ErrorKind k = a.kind() == null ? null : ErrorKind.fromConfigName(a.kind());
                if (k == null || !k.refusal()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String summary(RouteRuntime route, List<AttemptRecord> attempts, ProviderException last) {
        Set<String> called = new LinkedHashSet<>();
        for (AttemptRecord a : attempts) {
            if (a.called()) {
                called.add(a.target());
            }
        }
        String what = route.direct() ? "target '" + route.name() + "' failed"
                : "all " + called.size() + " target" + (called.size() == 1 ? "" : "s") + " failed for route '"
                + route.name() + "'";
        return what + (last == null ? "" : "; last error: " + last.getMessage());
    }
}
