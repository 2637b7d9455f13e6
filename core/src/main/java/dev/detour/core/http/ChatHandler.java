package dev.detour.core.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.provider.WireBody;
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
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: an OpenAI chat completion, whole or streamed, through the
 * failover engine. A stream's usage chunk is passed on only when the client asked for it
 * ({@code stream_options.include_usage}); a failure after the stream has started is an error event
 * before {@code [DONE]}. A stream resumed on another target after a cut ({@code stream.resume})
 * carries {@code "detour": {"resumed": [...]}} on its usage chunk (without usage asked for: on the
 * chunk with the finish reason).
 */
final class ChatHandler {
    private final Gateway gateway;
    private final ApiAdmission admission;
    private final Responder responder;
    private final CachedAnswers answers;

    ChatHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
        this.answers = new CachedAnswers(gateway, responder);
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
        RequestContext ctx = admission.context(ex, a.route(), a.request().stream(), "openai");
        answers.beforeEngine(ex, a, ErrorStyle.OPENAI, ctx, (g, r) -> g.input(r), (c, r) -> c.lookup(r),
                (found, r) -> answers.chat(ex, found, r.stream(), r.includeUsage()),
                (r, g, c) -> serve(ex, a.route(), r, ctx, a.abort(), a.start(), g, c));
    }

    /**
     * The request through the engine. With a cache ({@code cache}, else null) a whole answer is
     * stored once sent, and a failure of every target may be answered with a stale one.
     */
    private void serve(Exchange ex, RouteRuntime route, ChatRequest request, RequestContext ctx, AbortSignal abort,
                       long start, RequestGuard guard, CacheCall cache) {
        HttpServerResponse resp = ex.response;
        // The client's bytes go with the request: an OpenAI-compatible upstream may get them as they
        // are, unless a guardrail replaced the request they were parsed into.
        WireBody inbound = RequestGuard.inbound(guard, new WireBody(WireBody.OPENAI, ex.body));
        if (!request.stream()) {
            gateway.engine().chat(route, request, inbound, ctx, abort, guard).onComplete(ar -> {
                EngineResult<ChatResponse> r = ar.result();
                GuardReplies.header(resp, guard);
                if (r.failure() != null) {
                    if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                            found -> answers.chat(ex, found, false, false), () -> responder.failed(resp, r))) {
                        return;
                    }
                    responder.failed(resp, r);
                } else {
                    Responder.successHeaders(resp, r);
                    responder.priced(ex, route, r.target(), r.value().usage());
                    // Before the answer ends: its end writes the access-log line, which reads the usage.
                    responder.answered(ex, route, r);
                    if (r.wire() != null && r.wire().is(WireBody.OPENAI)) {
                        // Forward what needs no change: the upstream's own bytes.
                        resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, Responder.APPLICATION_JSON)
                                .end(Buffer.buffer(responder.scrubber.scrub(r.wire().bytes())));
                    } else {
                        responder.json(resp, 200, OpenAiJson.writeResponse(r.value()));
                    }
                }
                if (cache != null && r.failure() == null && RequestGuard.unchanged(guard)) {
                    cache.store(request, r.value(), r.target().id());
                }
                responder.done(route, resp, start);
            });
            return;
        }
        boolean includeUsage = request.includeUsage();
        SseWriter out = new SseWriter(resp, responder.scrubber, abort);
        StreamRecorder recorder = cache != null && cache.stores() ? new StreamRecorder() : null;
        var listener = new StreamListener() {
            /** The resumes of this stream, reported on its last chunk; null while there are none. */
            List<Resumption> resumed;
            boolean reported;

            @Override
            public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
                GuardReplies.header(resp, guard);
                responder.streamCommitted(ex, route, target, attempts, failover);
            }

            @Override
            public void resumed(TargetRuntime target, List<AttemptRecord> attempts, Resumption resumption) {
                ex.serving = target;
                responder.streamResumed(ex, route, resumption);
                if (resumed == null) {
                    resumed = new ArrayList<>(1);
                }
                resumed.add(resumption);
            }

            @Override
            public void chunk(ChatChunk c) {
                chunk(c, null);
            }

            @Override
            public void chunk(ChatChunk c, WireBody wire) {
                if (c.usage() != null) {
                    responder.streamUsage(ex, route, c.usage());
                }
                if (resp.closed()) {
                    return;
                }
                if (recorder != null) {
                    // What the client is sent (usage included, which the cache keeps for every client).
                    recorder.add(c);
                }
                if (c.usage() != null && !includeUsage) {
                    if (c.role() == null && !c.hasContent() && c.finishReason() == null) {
                        return;
                    }
                    c = new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), c.text(), c.reasoning(),
                            c.toolCalls(), c.finishReason(), null, c.refusal());
                    wire = null;   // the upstream's event has the usage the client did not ask for
                }
                // A resumed stream says so on its last chunk: the usage chunk, or without one the finish.
                if (resumed != null && !reported && (includeUsage ? c.usage() != null : c.finishReason() != null)) {
                    reported = true;
                    out.add(OpenAiJson.writeChunk(c).set(Resumption.FIELD, Resumption.extension(resumed)));
                    return;
                }
                out.add(c, wire);
            }

            /** The resumes, when no chunk carried them: a client asking for usage reads a chunk without choices. */
            void report() {
                if (resumed != null && !reported && includeUsage) {
                    ObjectNode last = JsonNodeFactory.instance.objectNode().put("object", "chat.completion.chunk");
                    last.putArray("choices");
                    out.add(last.set(Resumption.FIELD, Resumption.extension(resumed)));
                }
            }
        };
        gateway.engine().stream(route, request, inbound, ctx, abort, listener, guard).onComplete(ar -> {
            EngineResult<Void> r = ar.result();
            if (r.failure() != null && !resp.headWritten()) {
                GuardReplies.header(resp, guard);
                if (answers.stale(ex, route, cache, r, c -> c.stale(request, r.failure()),
                        found -> answers.chat(ex, found, true, includeUsage), () -> responder.failed(resp, r))) {
                    return;
                }
                responder.failed(resp, r);
            } else if (!resp.closed()) {
                if (r.failure() != null) {
                    out.add(ErrorResponses.openAi(r.failure().type(), r.failure().code(), r.failure().message(),
                            null, r.attempts()));
                } else {
                    listener.report();
                }
                out.end();
            }
            if (recorder != null && r.failure() == null && RequestGuard.unchanged(guard)) {
                // Only a stream that ended well: a cut one is never stored.
                cache.store(request, recorder.response(), r.target().id());
            }
            responder.done(route, resp, start);
        });
    }
}
