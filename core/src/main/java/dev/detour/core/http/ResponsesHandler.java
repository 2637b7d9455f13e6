package dev.detour.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.view.RequestContext;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.wire.responses.ResponsesCodec;
import dev.detour.wire.responses.ResponsesRequest;
import dev.detour.wire.responses.ResponsesStreamEncoder;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/responses}: OpenAI's Responses API inbound, stateless, through the same admission,
 * guardrails, cache and failover engine as chat completions; any target may serve it. The body is
 * read into the canonical request by {@link ResponsesCodec} (what needs a stored object, such as
 * {@code previous_response_id}, or a tool only OpenAI runs, is refused with a 400 naming the field),
 * answers are written as Response objects, and streams as the Responses event sequence by
 * {@link ResponsesStreamEncoder}. Errors have OpenAI's shape; a failure after a stream has started
 * is an {@code error} event and {@code response.failed}. A stream resumed on another target after a
 * cut ({@code stream.resume}) goes on as the same response, and its {@code response.completed}
 * carries {@code "detour": {"resumed": [...]}}.
 */
final class ResponsesHandler {
    private final ApiAdmission admission;
    private final CachedAnswers answers;
    private final TranslatedChat chat;

    ResponsesHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.admission = admission;
        this.answers = new CachedAnswers(gateway, responder);
        this.chat = new TranslatedChat(gateway, responder, answers);
    }

    void handle(Exchange ex) {
        ApiAdmission.Admitted<ResponsesRequest> a = admission.admit(ex, ErrorStyle.OPENAI,
                body -> ResponsesCodec.parseRequest(Admission.parseJson(body)), ResponsesRequest::model);
        if (a == null) {
            return;
        }
        RequestContext ctx = admission.context(ex, a.route(), a.request().stream(), "responses");
        answers.beforeEngine(ex, a, ErrorStyle.OPENAI, ctx, (g, r) -> g.input(r.chat()).map(r::withChat),
                (c, r) -> c.lookup(r.chat()), (found, r) -> answers.response(ex, found, r, r.stream()),
                (r, g, c) -> chat.serve(ex, a.route(), r.chat(), ctx, a.abort(), a.start(), g, c,
                        new Shape(answers, r, ResponsesCodec.newId())));
    }

    /** The Responses shape of one request: its settings echoed, under one response id. */
    private record Shape(CachedAnswers answers, ResponsesRequest request, String id) implements TranslatedChat.Shape {
        @Override
        public ErrorStyle style() {
            return ErrorStyle.OPENAI;
        }

        @Override
        public JsonNode whole(ChatResponse r, String model) {
            return ResponsesCodec.writeResponse(r, request, id, model);
        }

        @Override
        public void cached(Exchange ex, CachedResponse<ChatResponse> found, boolean stream) {
            answers.response(ex, found, request, stream);
        }

        @Override
        public TranslatedChat.Encoder encoder(String model) {
            ResponsesStreamEncoder enc = new ResponsesStreamEncoder(request, id, System.currentTimeMillis() / 1000, model);
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
                    return enc.failed(f.code(), f.message(), attempts.isEmpty() ? null : ErrorResponses.attempts(attempts));
                }
            };
        }
    }
}
