package dev.detour.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Usage;
import dev.detour.core.Gateway;
import dev.detour.core.admin.AdminRoutes;
import dev.detour.core.admission.Refused;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.Resumption;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.Scrubber;
import dev.detour.core.health.TargetRuntime;
import dev.detour.wire.http.WireJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * Writes the gateway's answers with the contract's headers (HTTP-API.md): JSON bodies, scrubbed of
 * every configured secret; errors in the shape of the API that was called ({@link ErrorResponses});
 * the {@code x-detour-*} headers of a served or failed request; and the bookkeeping of an answer
 * (who served it, for feedback; request, token and first-token metrics).
 */
final class Responder implements AdminRoutes.Replies {
    // Header names and common values encoded once (Netty's AsciiString), not on every response.
    static final CharSequence ROUTE = HttpHeaders.createOptimized("x-detour-route");
    static final CharSequence TARGET = HttpHeaders.createOptimized("x-detour-target");
    static final CharSequence ATTEMPTS = HttpHeaders.createOptimized("x-detour-attempts");
    static final CharSequence FAILOVER = HttpHeaders.createOptimized("x-detour-failover");
    static final CharSequence HEDGED = HttpHeaders.createOptimized("x-detour-hedged");
    private static final CharSequence ONE = HttpHeaders.createOptimized("1");
    private static final CharSequence TRUE = HttpHeaders.createOptimized("true");
    static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

    private final Gateway gateway;
    /** Every byte of every answer passes through it on the way out. */
    final Scrubber scrubber;

    Responder(Gateway gateway) {
        this.gateway = gateway;
        this.scrubber = gateway.engine().scrubber();
    }

    /** Sends {@code body} as the answer, scrubbed of every configured secret. */
    @Override
    public void json(HttpServerResponse resp, int status, JsonNode body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        byte[] bytes;
        try {
            bytes = WireJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                .end(Buffer.buffer(scrubber.scrub(bytes)));
    }

    /** Sends a refusal in OpenAI's shape. */
    @Override
    public void refuse(HttpServerResponse resp, Refused refused) {
        refuse(resp, ErrorStyle.OPENAI, refused);
    }

    /** Sends a refusal in {@code style}, with {@code Retry-After} when it says when to retry. */
    void refuse(HttpServerResponse resp, ErrorStyle style, Refused refused) {
        if (refused.retryAfterSeconds() > 0) {
            resp.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(refused.retryAfterSeconds()));
        }
        error(resp, style, refused.status(), refused.type(), refused.code(), refused.getMessage(), refused.param(), null);
    }

    void error(HttpServerResponse resp, int status, String type, String code, String message, String param,
               List<AttemptRecord> attempts) {
        error(resp, ErrorStyle.OPENAI, status, type, code, message, param, attempts);
    }

    /** Sends an error in the shape of the API that was called. */
    void error(HttpServerResponse resp, ErrorStyle style, int status, String type, String code, String message,
               String param, List<AttemptRecord> attempts) {
        json(resp, status, style == ErrorStyle.ANTHROPIC ? ErrorResponses.anthropic(type, code, message, attempts)
                : ErrorResponses.openAi(type, code, message, param, attempts));
    }

    void failed(HttpServerResponse resp, EngineResult<?> r) {
        failed(resp, r, ErrorStyle.OPENAI);
    }

    /** Sends the engine's failure: its status (a client gone, 499, is reported as 502) and every attempt. */
    void failed(HttpServerResponse resp, EngineResult<?> r, ErrorStyle style) {
        EngineResult.Failure f = r.failure();
        if (r.target() != null && f.status() < 500) {
            resp.putHeader(TARGET, r.target().id());
        }
        resp.putHeader(ATTEMPTS, Integer.toString(r.calls()));
        if (f.retryAfterSeconds() > 0) {
            resp.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(f.retryAfterSeconds()));
        }
        error(resp, style, f.status() == 499 ? 502 : f.status(), f.type(), f.code(), f.message(), null, r.attempts());
    }

    static void successHeaders(HttpServerResponse resp, TargetRuntime target, int calls, boolean failover) {
        resp.putHeader(TARGET, target.id());
        resp.putHeader(ATTEMPTS, calls == 1 ? ONE : Integer.toString(calls));
        if (failover) {
            resp.putHeader(FAILOVER, TRUE);
        }
    }

    /** The headers of a served request: {@link #successHeaders}, and {@code x-detour-hedged} when a hedge was sent. */
    static void successHeaders(HttpServerResponse resp, EngineResult<?> r) {
        successHeaders(resp, r.target(), r.calls(), r.failover());
        if (r.hedged()) {
            resp.putHeader(HEDGED, TRUE);
        }
    }

    /**
     * A whole answer is being sent (with {@link #successHeaders}; called before its end, which writes the
     * access-log line): who served it (for feedback), token metrics and the usage the line reports.
     */
    void answered(Exchange ex, RouteRuntime route, EngineResult<ChatResponse> r) {
        gateway.served(ex.requestId, route, r.target(), ex.keyName);
        if (r.value().usage() != null) {
            gateway.metrics().tokens(r.target().id(), r.value().usage().promptTokens(),
                    r.value().usage().completionTokens());
            usage(ex, r.value().usage());
        }
    }

    /** The usage an answer or a stream's usage chunk reported, for the access log. */
    static void usage(Exchange ex, Usage usage) {
        ex.inputTokens = usage.promptTokens();
        ex.outputTokens = usage.completionTokens();
    }

    static final CharSequence COST = HttpHeaders.createOptimized("x-detour-cost-usd");

    /**
     * A whole answer from {@code target} is about to be sent: priced from its {@code usage} by the
     * target's {@code pricing} ({@code x-detour-cost-usd}, the cost metric), and counted against the
     * key's token limit and budget. Call before the answer's body is written.
     */
    void priced(Exchange ex, RouteRuntime route, TargetRuntime target, dev.detour.api.model.Usage usage) {
        if (ex.charge != null) {
            ex.charge.served();
        }
        if (usage != null && price(ex, route, target, usage)) {
            ex.response.putHeader(COST, dev.detour.core.spend.Pricing.format(ex.costUsd));
        }
    }

    /** A stream's usage (its last chunk, one per target when it was resumed): for the access log, and priced by the target streaming it. */
    void streamUsage(Exchange ex, RouteRuntime route, dev.detour.api.model.Usage usage) {
        usage(ex, usage);
        if (ex.serving != null) {
            price(ex, route, ex.serving, usage);
        }
    }

    /** Prices {@code usage} of {@code target}; false when the target has no pricing. */
    private boolean price(Exchange ex, RouteRuntime route, TargetRuntime target, dev.detour.api.model.Usage usage) {
        dev.detour.core.spend.Pricing pricing = target.pricing();
        double usd = pricing.priced() ? pricing.cost(usage) : 0;
        if (ex.charge != null) {
            ex.charge.usage(usage, usd);
        }
        if (!pricing.priced()) {
            return false;
        }
        ex.costUsd = Math.max(0, ex.costUsd) + usd;
        gateway.metrics().cost(route.name(), target.id(), ex.keyName, usd);
        return true;
    }

    /** A stream was committed to {@code target}: headers, TTFT, who served it; the SSE response starts. */
    void streamCommitted(Exchange ex, RouteRuntime route, TargetRuntime target, List<AttemptRecord> attempts,
                         boolean failover) {
        HttpServerResponse resp = ex.response;
        ex.serving = target;
        if (ex.charge != null) {
            ex.charge.served();
        }
        int calls = 0;
        for (AttemptRecord a : attempts) {
            calls += a.called() ? 1 : 0;
        }
        ex.ttftNanos = System.nanoTime() - ex.start;
        gateway.metrics().ttft(target.id(), ex.ttftNanos / 1e9);
        successHeaders(resp, target, calls, failover);
        if (AttemptRecord.hedged(attempts)) {
            resp.putHeader(HEDGED, TRUE);
        }
        gateway.served(ex.requestId, route, target, ex.keyName);
        resp.setStatusCode(200).setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    }

    /**
     * A committed stream was cut and another target continues it: counted per route and target,
     * and noted for the access log (its headers were sent before and still name the first target,
     * which feedback on the request is about too).
     */
    void streamResumed(Exchange ex, RouteRuntime route, Resumption resumption) {
        gateway.metrics().resumed(route.name(), resumption.to());
        ex.resumes++;
        ex.resumedOn = resumption.to();
    }

    /** The engine is done with a request: its duration and status go to the route's metrics. */
    void done(RouteRuntime route, HttpServerResponse resp, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        gateway.metrics().request(route.name(), resp.getStatusCode(), seconds);
    }
}
