package dev.detour.core.http;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.view.RequestContext;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Admission;
import dev.detour.core.cache.CacheCall;
import dev.detour.core.cache.StreamRecorder;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.Resumption;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.StreamListener;
import dev.detour.core.guard.RequestGuard;
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
    private final CachedAnswers answers;

    MessagesHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
        this.answers = new CachedAnswers(gateway, responder);
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
                (r, g, c) -> serve(ex, a.route(), r, ctx, a.abort(), a.start(), g, c));
    }

    /**
     * The request through the engine. With a cache ({@code cache}, else null) a whole answer is
     * stored once sent (canonical, so it serves chat completions too), and a failure of every
     * target may be answered with a stale one.
     */
    private void serve(Exchange ex, RouteRuntime route, ChatRequest request, RequestContext ctx, AbortSignal abort,
                       long start, RequestGuard guard, CacheCall cache) {
        HttpServerResponse resp = ex.response;
        if (request.stream()) {
            stream(ex, route, request, ctx, abort, start, guard, cache);
            return;
        }
        gateway.engine().chat(route, request, null, ctx, abort, guard).onComplete(ar -> {
            EngineResult<ChatResponse> r = ar.result();
            GuardReplies.header(resp, guard);
            if (r.failure() != null) {
                if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                        found -> answers.message(ex, found, false),
                        () -> responder.failed(resp, r, ErrorStyle.ANTHROPIC))) {
                    return;
                }
                responder.failed(resp, r, ErrorStyle.ANTHROPIC);
            } else {
                Responder.successHeaders(resp, r);
                responder.priced(ex, route, r.target(), r.value().usage());
                responder.json(resp, 200, AnthropicCodec.writeResponse(r.value(), r.target().model()));
                responder.answered(ex, route, r);
                if (cache != null && RequestGuard.unchanged(guard)) {
                    cache.store(request, r.value().withModel(r.target().model()), r.target().id());
                }
            }
            responder.done(route, resp, start);
        });
    }

    private void stream(Exchange ex, RouteRuntime route, ChatRequest request, RequestContext ctx,
                        AbortSignal abort, long start, RequestGuard guard, CacheCall cache) {
        HttpServerResponse resp = ex.response;
        SseWriter out = new SseWriter(resp, responder.scrubber, abort);
        StreamRecorder recorder = cache != null && cache.stores() ? new StreamRecorder() : null;
        AnthropicStreamEncoder[] encoder = {null};
        List<Resumption> resumed = new ArrayList<>(0);
        gateway.engine().stream(route, request, null, ctx, abort, new StreamListener() {
            @Override
            public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
                GuardReplies.header(resp, guard);
                responder.streamCommitted(ex, route, target, attempts, failover);
                encoder[0] = new AnthropicStreamEncoder(target.model());
            }

            @Override
            public void resumed(TargetRuntime target, List<AttemptRecord> attempts, Resumption resumption) {
                // The same encoder goes on: the continuation is more of the same message.
                ex.serving = target;
                responder.streamResumed(ex, route, resumption);
                resumed.add(resumption);
            }

            @Override
            public void chunk(ChatChunk c) {
                if (c.usage() != null) {
                    responder.streamUsage(ex, route, c.usage());
                }
                if (resp.closed() || encoder[0] == null) {
                    return;
                }
                if (recorder != null) {
                    recorder.add(c);
                }
                out.write(encoder[0].chunk(c));
            }
        }, guard).onComplete(ar -> {
            EngineResult<Void> r = ar.result();
            if (r.failure() != null && !resp.headWritten()) {
                GuardReplies.header(resp, guard);
                if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                        found -> answers.message(ex, found, true),
                        () -> responder.failed(resp, r, ErrorStyle.ANTHROPIC))) {
                    return;
                }
                responder.failed(resp, r, ErrorStyle.ANTHROPIC);
            } else if (!resp.closed()) {
                AnthropicStreamEncoder enc = encoder[0] != null ? encoder[0]
                        : new AnthropicStreamEncoder(r.target() == null ? request.model() : r.target().model());
                out.end(r.failure() != null ? enc.error(ErrorResponses.anthropic(r.failure().type(), r.failure().code(),
                        r.failure().message(), r.attempts()))
                        : enc.finish(resumed.isEmpty() ? null : Map.of(Resumption.FIELD, Resumption.extension(resumed))));
            }
            if (recorder != null && r.failure() == null && RequestGuard.unchanged(guard)) {
                // Only a stream that ended well: a cut one is never stored.
                ChatResponse whole = recorder.response();
                cache.store(request, whole == null ? null : whole.withModel(r.target().model()), r.target().id());
            }
            responder.done(route, resp, start);
        });
    }
}
