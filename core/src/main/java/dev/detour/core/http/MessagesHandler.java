package dev.detour.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.view.RequestContext;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.wire.anthropic.AnthropicCodec;
import dev.detour.wire.anthropic.AnthropicStreamEncoder;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/messages}: the Anthropic Messages API inbound, through the same failover engine
 * as chat completions; any target may serve it. The body is translated to the canonical request by
 * {@link AnthropicCodec}, answers back to Anthropic's message shape, and streams to Anthropic's
 * named events by {@link AnthropicStreamEncoder}. Errors have Anthropic's shape with Detour's
 * {@code code} and {@code attempts}; a failure after a stream has started is an {@code error} event.
 * A stream resumed on another target after a cut ({@code stream.resume}) goes on as the same
 * message, and its {@code message_delta} carries {@code "detour": {"resumed": [...]}}.
 */
final class MessagesHandler {
    private final ApiAdmission admission;
    private final CachedAnswers answers;
    private final TranslatedChat chat;
    private final Shape shape;

    MessagesHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.admission = admission;
        this.answers = new CachedAnswers(gateway, responder);
        this.chat = new TranslatedChat(gateway, responder, answers);
        this.shape = new Shape(answers);
    }

    void handle(Exchange ex) {
        ApiAdmission.Admitted<ChatRequest> a = admission.admit(ex, ErrorStyle.ANTHROPIC,
                body -> AnthropicCodec.parseRequest(Admission.parseJson(body)), ChatRequest::model);
        if (a == null) {
            return;
        }
        RequestContext ctx = admission.context(ex, a.route(), a.request().stream(), "anthropic");
        answers.beforeEngine(ex, a, ErrorStyle.ANTHROPIC, ctx, (g, r) -> g.input(r), (c, r) -> c.lookup(r),
                (found, r) -> answers.message(ex, found, r.stream()),
                (r, g, c) -> chat.serve(ex, a.route(), r, ctx, a.abort(), a.start(), g, c, shape));
    }

    /** Anthropic's message shape; a whole answer from the cache was stored canonical, so it serves chat completions too. */
    private record Shape(CachedAnswers answers) implements TranslatedChat.Shape {
        @Override
        public ErrorStyle style() {
            return ErrorStyle.ANTHROPIC;
        }

        @Override
        public JsonNode whole(ChatResponse r, String model) {
            return AnthropicCodec.writeResponse(r, model);
        }

        @Override
        public void cached(Exchange ex, CachedResponse<ChatResponse> found, boolean stream) {
            answers.message(ex, found, stream);
        }

        @Override
        public TranslatedChat.Encoder encoder(String model) {
            AnthropicStreamEncoder enc = new AnthropicStreamEncoder(model);
            return new TranslatedChat.Encoder() {
                @Override
                public Buffer chunk(ChatChunk c) {
                    return enc.chunk(c);
                }

                @Override
                public Buffer finish(Map<String, ? extends JsonNode> extensions) {
                    return enc.finish(extensions);
                }

                @Override
                public Buffer failed(EngineResult.Failure f, List<AttemptRecord> attempts) {
                    return enc.error(ErrorResponses.anthropic(f.type(), f.code(), f.message(), attempts));
                }
            };
        }
    }
}
