package dev.detour.api.guardrail;

import dev.detour.api.view.TargetView;

import java.util.function.Predicate;

/**
 * A guardrail's decision about one thing it was shown (a request, an answer, streamed text).
 *
 * @param action      what core does
 * @param reason      why it was denied or changed: short, for the client, the log and
 *                    {@code x-detour-guardrails}, never the matched text; null when allowed unchanged
 * @param replacement what replaces the thing judged ({@link Action#ALLOW} only), or null to keep it
 * @param targets     which targets may still serve the request ({@link Action#ALLOW} on an input
 *                    only), or null for all: it can only narrow the route and the envelope, never
 *                    widen them
 * @param <T> the type of the thing judged
 */
public record GuardrailVerdict<T>(Action action, String reason, T replacement, Predicate<TargetView> targets) {

    /** What core does with a verdict. */
    public enum Action {
        /** Go on, with the replacement and the narrowing when there are. */
        ALLOW,
        /** Refuse: the client gets 400 {@code guardrail_denied} naming the guardrail and the reason. */
        DENY,
        /**
         * For answers: refuse this answer as a failed attempt, so that the next target of the plan
         * is tried (e.g. output that does not match a schema); the client gets {@code guardrail_denied}
         * when no target's answer passes.
         */
        FALL_BACK
    }

    private static final GuardrailVerdict<?> ALLOW = new GuardrailVerdict<>(Action.ALLOW, null, null, null);

    public GuardrailVerdict {
        if (action == null) {
            throw new IllegalArgumentException("action must not be null");
        }
        if (action != Action.ALLOW && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("a denial needs a reason");
        }
        if (action != Action.ALLOW && (replacement != null || targets != null)) {
            throw new IllegalArgumentException("only an allowing verdict replaces or narrows");
        }
    }

    /** Let it pass unchanged. */
    @SuppressWarnings("unchecked")
    public static <T> GuardrailVerdict<T> allow() {
        return (GuardrailVerdict<T>) ALLOW;
    }

    /** Refuse it. */
    public static <T> GuardrailVerdict<T> deny(String reason) {
        return new GuardrailVerdict<>(Action.DENY, reason, null, null);
    }

    /** Refuse this answer as a failed attempt, so that the next target is tried. */
    public static <T> GuardrailVerdict<T> fallBack(String reason) {
        return new GuardrailVerdict<>(Action.FALL_BACK, reason, null, null);
    }

    /** Go on with {@code replacement} instead (a redacted request, answer or text). */
    public static <T> GuardrailVerdict<T> replace(T replacement, String reason) {
        if (replacement == null) {
            throw new IllegalArgumentException("replacement must not be null");
        }
        return new GuardrailVerdict<>(Action.ALLOW, reason, replacement, null);
    }

    /** Go on, but only on the targets {@code allowed} accepts (e.g. by category). */
    public static <T> GuardrailVerdict<T> narrow(Predicate<TargetView> allowed, String reason) {
        if (allowed == null) {
            throw new IllegalArgumentException("allowed must not be null");
        }
        return new GuardrailVerdict<>(Action.ALLOW, reason, null, allowed);
    }

    /** Whether it lets the thing judged pass (changed or not). */
    public boolean allowed() {
        return action == Action.ALLOW;
    }
}
