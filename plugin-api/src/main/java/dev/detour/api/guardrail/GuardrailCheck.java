package dev.detour.api.guardrail;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import io.vertx.core.Future;

/**
 * One guardrail's check of one request (see {@link Guardrail#open}). Every method is called on the
 * request's event loop and must not block: a costly check runs on a worker with a deadline. Each
 * method defaults to allowing what it is given unchanged, so a guardrail implements only what it
 * looks at.
 *
 * <p>A verdict never carries the text it matched in its reason: the reason reaches the client and
 * the log.
 */
public interface GuardrailCheck {

    /**
     * Judges a chat request (OpenAI chat, Anthropic messages, Responses) before any target is
     * chosen: allow, deny, replace (a redacted request) or narrow the targets that may serve it.
     */
    default Future<GuardrailVerdict<ChatRequest>> input(ChatRequest request) {
        return Future.succeededFuture(GuardrailVerdict.allow());
    }

    /** Judges an embeddings request before any target is chosen, as {@link #input(ChatRequest)}. */
    default Future<GuardrailVerdict<EmbeddingRequest>> input(EmbeddingRequest request) {
        return Future.succeededFuture(GuardrailVerdict.allow());
    }

    /**
     * Judges a whole answer before it is returned: allow, deny, replace it, or
     * {@link GuardrailVerdict#fallBack fall back} (the answer counts as a failed attempt and the
     * next target of the plan is tried).
     */
    default Future<GuardrailVerdict<ChatResponse>> output(ChatResponse response) {
        return Future.succeededFuture(GuardrailVerdict.allow());
    }

    /**
     * How many characters of a streamed answer's text a match can span, or -1 when this guardrail
     * does not look at streams. Core holds back this many characters of the text it has not yet
     * sent, and never more: the client gets the rest as it comes.
     */
    default int streamWindow() {
        return -1;
    }

    /**
     * Judges streamed text: {@code pending} is the text of choice {@code choice} (its index) that
     * core has received but not yet sent (what was held back for that choice, then what just
     * arrived); {@code end} says that choice's answer is complete. Choices are judged apart: each
     * has its own held-back text. Allow it, replace it (the replacement is what core then holds and sends, all of it
     * but its last {@link #streamWindow()} characters until {@code end}), or deny: before the
     * stream is committed that is a failed attempt like any other, after it the stream ends with a
     * {@code guardrail_denied} error event. {@link GuardrailVerdict#fallBack} behaves as deny.
     */
    default Future<GuardrailVerdict<String>> outputText(int choice, String pending, boolean end) {
        return Future.succeededFuture(GuardrailVerdict.allow());
    }
}
