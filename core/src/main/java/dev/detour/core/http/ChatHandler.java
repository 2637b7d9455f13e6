package dev.detour.core.http;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.provider.WireBody;
import dev.detour.api.view.RequestContext;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.StreamListener;
import dev.detour.core.guard.RequestGuard;
import dev.detour.core.health.TargetRuntime;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * {@code POST /v1/chat/completions}: an OpenAI chat completion, whole or streamed, through the
 * failover engine. A stream's usage chunk is passed on only when the client asked for it
 * ({@code stream_options.include_usage}); a failure after the stream has started is an error event
 * before {@code [DONE]}.
 */
final class ChatHandler {
    private final Gateway gateway;
    private final ApiAdmission admission;
    private final Responder responder;

    ChatHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
    }

    /** A chat request: a plain one read straight from its bytes, any other through its JSON tree. */
    private static ChatRequest chatRequest(byte[] body) {
        ChatRequest plain = OpenAiJson.parsePlainRequest(body);
        return plain != null ? plain : OpenAiJson.parseRequest(Admission.parseJson(body));
    }

    void handle(Exchange ex) {
        ApiAdmission.Admitted<ChatRequest> a = admission.admit(ex, ErrorStyle.OPENAI, ChatHandler::chatRequest,
                ChatRequest::model);
        if (a == null) {
            return;
        }
        ChatRequest request = a.request();
        RouteRuntime route = a.route();
        long start = a.start();
        AbortSignal abort = a.abort();
        RequestContext ctx = admission.context(ex, route, request.stream(), "openai");
        RequestGuard guard = gateway.guard(route, ctx);
        if (guard == null) {
            serve(ex, route, request, ctx, abort, start, null);
            return;
        }
        guard.input(request).onComplete(ar -> {
            if (ar.failed()) {
                GuardReplies.refused(responder, ex, ErrorStyle.OPENAI, guard, ar.cause());
                responder.done(route, ex.response, start);
            } else {
                serve(ex, route, ar.result(), ctx, abort, start, guard);
            }
        });
    }

    private void serve(Exchange ex, RouteRuntime route, ChatRequest request, RequestContext ctx, AbortSignal abort,
                       long start, RequestGuard guard) {
        HttpServerResponse resp = ex.response;
        // The client's bytes go with the request: an OpenAI-compatible upstream may get them as they
        // are, unless a guardrail replaced the request they were parsed into.
        WireBody inbound = RequestGuard.inbound(guard, new WireBody(WireBody.OPENAI, ex.body));
        if (!request.stream()) {
            gateway.engine().chat(route, request, inbound, ctx, abort, guard).onComplete(ar -> {
                EngineResult<ChatResponse> r = ar.result();
                GuardReplies.header(resp, guard);
                if (r.failure() != null) {
                    responder.failed(resp, r);
                } else {
                    Responder.successHeaders(resp, r);
                    if (r.wire() != null && r.wire().is(WireBody.OPENAI)) {
                        // Forward what needs no change: the upstream's own bytes.
                        resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, Responder.APPLICATION_JSON)
                                .end(Buffer.buffer(responder.scrubber.scrub(r.wire().bytes())));
                    } else {
                        responder.json(resp, 200, OpenAiJson.writeResponse(r.value()));
                    }
                    responder.answered(ex, route, r);
                }
                responder.done(route, resp, start);
            });
            return;
        }
        boolean includeUsage = request.includeUsage();
        SseWriter out = new SseWriter(resp, responder.scrubber, abort);
        gateway.engine().stream(route, request, inbound, ctx, abort, new StreamListener() {
            @Override
            public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
                GuardReplies.header(resp, guard);
                responder.streamCommitted(ex, route, target, attempts, failover);
            }

            @Override
            public void chunk(ChatChunk c) {
                chunk(c, null);
            }

            @Override
            public void chunk(ChatChunk c, WireBody wire) {
                if (resp.closed()) {
                    return;
                }
                if (c.usage() != null && !includeUsage) {
                    if (c.role() == null && !c.hasContent() && c.finishReason() == null) {
                        return;
                    }
                    c = new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), c.text(), c.reasoning(),
                            c.toolCalls(), c.finishReason(), null, c.refusal());
                    wire = null;   // the upstream's event has the usage the client did not ask for
                }
                out.add(c, wire);
            }
        }, guard).onComplete(ar -> {
            EngineResult<Void> r = ar.result();
            if (r.failure() != null && !resp.headWritten()) {
                GuardReplies.header(resp, guard);
                responder.failed(resp, r);
            } else if (!resp.closed()) {
                if (r.failure() != null) {
                    out.add(ErrorResponses.openAi(r.failure().type(), r.failure().code(), r.failure().message(),
                            null, r.attempts()));
                }
                out.end();
            }
            responder.done(route, resp, start);
        });
    }
}
