package dev.detour.api.detector;

import dev.detour.api.view.TargetView;

/**
 * A user's satisfaction score for an answer ({@code POST /v1/feedback}).
 *
 * @param target    the target that served the request
 * @param requestId the request id
 * @param score     -1 (bad) .. 1 (good)
 * @param comment   free text, or null
 * @param atNanos   when it was received, on the monotonic clock
 */
public record Feedback(TargetView target, String requestId, double score, String comment, long atNanos) {
}
