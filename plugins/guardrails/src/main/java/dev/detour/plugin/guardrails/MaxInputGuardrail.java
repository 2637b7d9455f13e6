package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.view.RequestContext;
import io.vertx.core.Future;

/**
 * Refuses requests larger than a limit ({@link MaxInputOptions}), before any target is called.
 * Answers are not looked at. Costs one pass over the message lengths, no allocation.
 */
public final class MaxInputGuardrail implements Guardrail {

    /** The {@code type:} of this guardrail. */
    public static final String TYPE = "max_input";

    /** Tokens estimated per message for its role and framing, as core's estimate. */
    static final int TOKENS_PER_MESSAGE = 16;

    private final MaxInputOptions options;
    private final GuardrailCheck check;

    MaxInputGuardrail(MaxInputOptions options) {
        this.options = options;
        this.check = new GuardrailCheck() {
            @Override
            public Future<GuardrailVerdict<ChatRequest>> input(ChatRequest request) {
                return Future.succeededFuture(judge(request.textLength(), tokens(request)));
            }

            @Override
            public Future<GuardrailVerdict<EmbeddingRequest>> input(EmbeddingRequest request) {
                long chars = Texts.length(request);
                return Future.succeededFuture(judge(chars, chars / 4));
            }
        };
    }

    /**
     * The estimate core uses wherever it needs a request's tokens before the call (the capability
     * check in {@code core/.../failover/FailoverEngine}: {@code textLength() / 4 + 16 * messages}),
     * so this limit and the gateway's other limits agree on what a request weighs.
     */
    static long tokens(ChatRequest r) {
        return r.textLength() / 4 + (long) TOKENS_PER_MESSAGE * r.messages().size();
    }

    private <T> GuardrailVerdict<T> judge(long chars, long tokens) {
        if (options.tokens() != null && tokens > options.tokens()) {
            return GuardrailVerdict.deny("max_input:denied (about " + tokens + " tokens, limit " + options.tokens() + ")");
        }
        if (options.chars() != null && chars > options.chars()) {
            return GuardrailVerdict.deny("max_input:denied (" + chars + " characters, limit " + options.chars() + ")");
        }
        return GuardrailVerdict.allow();
    }

    @Override
    public GuardrailCheck open(RequestContext context) {
        return check; // stateless: one check serves every request
    }
}
