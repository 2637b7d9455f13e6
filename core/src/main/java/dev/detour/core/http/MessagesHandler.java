package dev.detour.core.http;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.view.RequestContext;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.Resumption;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.StreamListener;
import dev.detour.core.health.TargetRuntime;
import dev.detour.wire.anthropic.AnthropicCodec;
import dev.detour.wire.anthropic.AnthropicStreamEncoder;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
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
    private final Gateway gateway;
    private final ApiAdmission admission;
    private final Responder responder;

    MessagesHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
    }

    void handle(Exchange ex) {
        ApiAdmission.Admitted<ChatRequest> a = admission.admit(ex, ErrorStyle.ANTHROPIC,
                body -> AnthropicCodec.parseRequest(Admission.parseJson(body)), ChatRequest::model);
        if (a == null) {
            return;
        }
        ChatRequest request = a.request();
        RouteRuntime route = a.route();
        long start = a.start();
        AbortSignal abort = a.abort();
        RequestContext ctx = admission.context(ex, route, request.stream(), "anthropic");
        HttpServerResponse resp = ex.response;
        if (request.stream()) {
            stream(ex, route, request, ctx, abort, start);
            return;
        }
        gateway.engine().chat(route, request, ctx, abort).onComplete(ar -> {
            EngineResult<ChatResponse> r = ar.result();
            if (r.failure() != null) {
                responder.failed(resp, r, ErrorStyle.ANTHROPIC);
            } else {
                Responder.successHeaders(resp, r.target(), r.calls(), r.failover());
                responder.json(resp, 200, AnthropicCodec.writeResponse(r.value(), r.target().model()));
                responder.answered(ex, route, r);
            }
            responder.done(route, resp, start);
        });
    }

    private void stream(Exchange ex, RouteRuntime route, ChatRequest request, RequestContext ctx,
                        AbortSignal abort, long start) {
        HttpServerResponse resp = ex.response;
        SseWriter out = new SseWriter(resp, responder.scrubber, abort);
        AnthropicStreamEncoder[] encoder = {null};
        List<Resumption> resumed = new ArrayList<>(0);
        gateway.engine().stream(route, request, ctx, abort, new StreamListener() {
            @Override
            public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
                responder.streamCommitted(ex, route, target, attempts, failover);
                encoder[0] = new AnthropicStreamEncoder(target.model());
            }

            @Override
            public void resumed(TargetRuntime target, List<AttemptRecord> attempts, Resumption resumption) {
                // The same encoder goes on: the continuation is more of the same message.
                responder.streamResumed(ex, route, resumption);
                resumed.add(resumption);
            }

            @Override
            public void chunk(ChatChunk c) {
                if (resp.closed() || encoder[0] == null) {
                    return;
                }
                out.write(encoder[0].chunk(c));
            }
        }).onComplete(ar -> {
            EngineResult<Void> r = ar.result();
            if (r.failure() != null && !resp.headWritten()) {
                responder.failed(resp, r, ErrorStyle.ANTHROPIC);
            } else if (!resp.closed()) {
                AnthropicStreamEncoder enc = encoder[0] != null ? encoder[0]
                        : new AnthropicStreamEncoder(r.target() == null ? request.model() : r.target().model());
                out.end(r.failure() != null ? enc.error(ErrorResponses.anthropic("gateway_error", r.failure().code(),
                        r.failure().message(), r.attempts()))
                        : enc.finish(resumed.isEmpty() ? null : Map.of(Resumption.FIELD, Resumption.extension(resumed))));
            }
            responder.done(route, resp, start);
        });
    }
}
