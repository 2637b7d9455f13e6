package dev.detour.core.failover;

import dev.detour.api.ProviderException;
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.core.health.TargetRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "record" step: what an attempt's outcome teaches its target's breaker and statistics, and
 * the route's detectors.
 */
final class OutcomeRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecorder.class);

    private OutcomeRecorder() {
    }

    /** The attempt answered: its breaker permission counts as a success, its latencies are kept. */
    static void success(Attempt<?> a, long latencyMs) {
        a.target.breaker().onSuccess(a.grant);
        a.target.recordOutcome(true, latencyMs * a.slowdown, ttft(a));
    }

    /** The attempt's time to first content as its target is to see it (a slow drill's slowdown applied), or -1. */
    private static double ttft(Attempt<?> a) {
        double t = a.ttftMs();
        return t < 0 ? t : t * a.slowdown;
    }

    /**
     * The attempt failed with {@code e}. Only a failure that {@link dev.detour.api.ErrorKind#countsAgainstTarget()
     * counts against the target} is a failure for its breaker and health; a refusal made before
     * anything was sent teaches nothing (the permission is given back), and any other such failure
     * proves the target answered.
     *
     * @return whether the detectors should observe the failure (false when the target did nothing)
     */
    static boolean failure(Attempt<?> a, ProviderException e, long latencyMs) {
        TargetRuntime t = a.target;
        if (e.kind().countsAgainstTarget()) {
            t.breaker().onFailure(a.grant);
            t.recordOutcome(false, latencyMs, -1);
            return true;
        }
        if (e.status() == 0) {
            t.breaker().release(a.grant);
            return false;
        }
        t.breaker().onSuccess(a.grant);
        t.recordOutcome(true, latencyMs, -1);
        return true;
    }

    /**
     * Shows the finished attempt to the route's detectors, and gives its target the signals they
     * raise about it. A detector that throws is logged and skipped.
     *
     * @param gate  the stream's gate (its sample of the answer), or null when not streamed
     * @param e     the failure, or null on success
     * @param value the answer when not streamed, else null
     */
    static void observe(RouteRuntime route, Attempt<?> a, Object request, String requestId, long now,
                        StreamGate gate, ProviderException e, long latencyMs, Object value) {
        if (route.detectors().isEmpty()) {
            return;
        }
        boolean success = e == null;
        String text = "";
        FinishReason finish = null;
        int out = 0;
        int in = 0;
        if (value instanceof ChatResponse r) {
            text = r.text();
            finish = r.finishReason();
            if (r.usage() != null) {
                out = r.usage().completionTokens();
                in = r.usage().promptTokens();
            }
        } else if (gate != null && success) {
            text = gate.sampleText();
            finish = gate.finish();
            if (gate.usage() != null) {
                out = gate.usage().completionTokens();
                in = gate.usage().promptTokens();
            }
        }
        if (out == 0 && !text.isEmpty()) {
            out = Tokens.ofChars(value instanceof ChatResponse ? text.length() : gate.sampleChars());
        }
        boolean json = request instanceof ChatRequest c && c.wantsJson();
        AttemptObservation o = new AttemptObservation(a.target, now, success, success ? null : e.kind(),
                success ? 200 : e.status(), Math.round(latencyMs * a.slowdown), ttft(a), in, out, text, finish, json, gate != null, requestId);
        for (QualityDetector d : route.detectors()) {
            try {
                Signal s = d.observe(o);
                if (s != null && s.targetId().equals(a.target.id())) {
                    a.target.signal(s);
                }
            } catch (RuntimeException ex) {
                LOG.warn("detector failed on route '{}'", route.name(), ex);
            }
        }
    }
}
