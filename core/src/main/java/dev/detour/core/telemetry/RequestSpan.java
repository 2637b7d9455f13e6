package dev.detour.core.telemetry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.AttemptTrace;
import dev.detour.core.failover.RequestTrace;
import dev.detour.core.health.TargetRuntime;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The span of one API request and the spans of its upstream calls. The server span is ended when
 * the answer has been sent ({@link #end}), with what the client was told in Detour's response
 * headers: route, target, number of upstream calls, failover, cache and guardrail outcomes. Each
 * upstream call's span ({@code chat gpt-4o}, kind CLIENT) is its child, carries the GenAI
 * attributes, and its context travels upstream as {@code traceparent}. Used on the request's event loop.
 */
public final class RequestSpan implements RequestTrace {
    private final Telemetry telemetry;
    private final Span span;
    private final Context context;
    private boolean ended;

    RequestSpan(Telemetry telemetry, Span span) {
        this.telemetry = telemetry;
        this.span = span;
        this.context = Context.root().with(span);
    }

    /** The server span's context (its trace id is the request's). */
    public SpanContext spanContext() {
        return span.getSpanContext();
    }

    @Override
    public boolean capturesContent() {
        return telemetry.capture();
    }

    @Override
    public void skipped(TargetRuntime target, String why) {
        span.addEvent(GenAi.SKIP_EVENT, Attributes.of(GenAi.TARGET, target.id(), GenAi.REASON, why));
    }

    @Override
    public AttemptTrace attempt(TargetRuntime target, String operation, int number, boolean failover, boolean hedge,
                                boolean resume, Object request) {
        Span s = telemetry.tracer().spanBuilder(operation + " " + target.model()).setParent(context)
                .setSpanKind(SpanKind.CLIENT)
                .setAllAttributes(telemetry.target(target))
                .setAttribute(GenAi.OPERATION_NAME, operation)
                .setAttribute(GenAi.ATTEMPT, number)
                .setAttribute(GenAi.FAILOVER, failover)
                .startSpan();
        if (hedge) {
            s.setAttribute(GenAi.HEDGE, true);
        }
        if (resume) {
            s.setAttribute(GenAi.RESUME, true);
        }
        return new Attempt(s, telemetry.capture() && request instanceof ChatRequest c ? c : null);
    }

    /**
     * The answer has been sent (or the client went away): the server span ends with the status and
     * Detour's response headers. Later calls do nothing.
     */
    public void end(HttpServerResponse response, boolean clientGone) {
        end(response.getStatusCode(), response.headers(), clientGone);
    }

    /** As {@link #end(HttpServerResponse, boolean)}, from the answer's status and headers. */
    void end(int status, MultiMap h, boolean clientGone) {
        if (ended) {
            return;
        }
        ended = true;
        span.setAttribute(GenAi.HTTP_STATUS, status);
        String v = h.get("x-request-id");
        if (v != null) {
            span.setAttribute(GenAi.REQUEST_ID, v);
        }
        v = h.get("x-detour-route");
        if (v != null) {
            span.setAttribute(GenAi.ROUTE, v);
        }
        v = h.get("x-detour-target");
        if (v != null) {
            span.setAttribute(GenAi.TARGET, v);
        }
        v = h.get("x-detour-attempts");
        if (v != null) {
            try {
                span.setAttribute(GenAi.ATTEMPT, Long.parseLong(v));
            } catch (NumberFormatException ignored) {
                // Always a number when Detour set it.
            }
        }
        span.setAttribute(GenAi.FAILOVER, "true".equals(h.get("x-detour-failover")));
        v = h.get("x-detour-cache");
        if (v != null) {
            span.setAttribute(GenAi.CACHE, v);
        }
        v = h.get("x-detour-guardrails");
        if (v != null) {
            span.setAttribute(GenAi.GUARDRAILS, v);
        }
        if (clientGone) {
            span.setAttribute(GenAi.ERROR_TYPE, "client_closed");
        } else if (status >= 500) {
            span.setAttribute(GenAi.ERROR_TYPE, Integer.toString(status));
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /** One upstream call's span. */
    private static final class Attempt implements AttemptTrace {
        private final Span span;
        /** The request, when its content is captured. */
        private final ChatRequest captured;
        private Map<String, String> headers;
        private boolean ended;

        Attempt(Span span, ChatRequest captured) {
            this.span = span;
            this.captured = captured;
        }

        @Override
        public Map<String, String> headers() {
            if (headers == null) {
                Map<String, String> m = new HashMap<>(4);
                W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), m, Map::put);
                headers = Map.copyOf(m);
            }
            return headers;
        }

        @Override
        public void answered(String model, Usage usage, FinishReason finish, String text) {
            if (ended) {
                return;
            }
            ended = true;
            if (model != null) {
                span.setAttribute(GenAi.RESPONSE_MODEL, model);
            }
            if (usage != null) {
                span.setAttribute(GenAi.USAGE_INPUT_TOKENS, usage.promptTokens());
                span.setAttribute(GenAi.USAGE_OUTPUT_TOKENS, usage.completionTokens());
            }
            if (finish != null) {
                span.setAttribute(GenAi.RESPONSE_FINISH_REASONS, List.of(finish.wire()));
            }
            if (captured != null) {
                span.addEvent(GenAi.CONTENT_EVENT, Attributes.of(GenAi.INPUT_MESSAGES, input(captured),
                        GenAi.OUTPUT_MESSAGES, output(text == null ? "" : text, finish)));
            }
            span.end();
        }

        @Override
        public void failed(ProviderException e, boolean cancelled) {
            if (ended) {
                return;
            }
            ended = true;
            String type = cancelled ? AttemptRecord.CANCELLED : e.kind().configName();
            span.setAttribute(GenAi.ERROR_TYPE, type);
            if (e.status() > 0) {
                span.setAttribute(GenAi.HTTP_STATUS, e.status());
            }
            // The kind, not the upstream's message: it may quote the request.
            span.setStatus(StatusCode.ERROR, type);
            span.end();
        }

        /** The prompt in the conventions' message shape: {@code [{"role", "parts": [{"type": "text", "content"}]}]}. */
        private static String input(ChatRequest r) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (Message m : r.messages()) {
                ObjectNode msg = out.addObject().put("role", m.role());
                msg.putArray("parts").addObject().put("type", "text").put("content", m.text());
            }
            return out.toString();
        }

        private static String output(String text, FinishReason finish) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            ObjectNode msg = out.addObject().put("role", "assistant");
            msg.putArray("parts").addObject().put("type", "text").put("content", text);
            if (finish != null) {
                msg.put("finish_reason", finish.wire());
            }
            return out.toString();
        }
    }
}
