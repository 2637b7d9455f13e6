package dev.detour.core.failover;

import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingResponse;

/** Ends an attempt's span with what its answer says. */
final class Traces {
    private Traces() {
    }

    /**
     * {@code span}'s call answered with {@code value} (a whole answer), or through {@code gate} (a
     * stream, whose usage and finish the gate kept); the answer's text goes with it only when
     * {@code capture} is on.
     */
    static void answered(AttemptTrace span, Object value, StreamGate gate, boolean capture) {
        if (value instanceof ChatResponse r) {
            span.answered(r.model(), r.usage(), r.finishReason(), capture ? r.text() : null);
        } else if (value instanceof EmbeddingResponse r) {
            span.answered(r.model(), r.usage(), null, null);
        } else if (gate != null) {
            span.answered(null, gate.usage(), gate.finish(), capture ? gate.sampleText() : null);
        } else {
            span.answered(null, null, null, null);
        }
    }
}
