package dev.detour.plugin.vertex;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.wire.anthropic.AnthropicCodec;
import dev.detour.wire.anthropic.AnthropicStreamDecoder;
import dev.detour.wire.gemini.GeminiStreamDecoder;
import dev.detour.wire.gemini.GeminiTranslator;
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.http.HttpExchange;
import dev.detour.wire.http.TransportErrors;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;

import java.io.IOException;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code vertex} adapter, the only class of this plugin calling the model API: one Vert.x
 * HTTP/1.1 client per provider, exactly one request per invocation (two when the first is refused
 * 401 with a token that can be refreshed: the token is renewed once and the call made again).
 * Gemini models go through {@code generateContent} / {@code streamGenerateContent?alt=sse} with
 * the Gemini translator; Claude models through {@code rawPredict} / {@code streamRawPredict} with
 * Anthropic's Messages codec, the body carrying {@code anthropic_version} and no {@code model}
 * (Vertex takes the model from the URL). Every request carries {@code Authorization: Bearer}; the
 * token never appears in a message. Runs on the event loop and never blocks.
 */
final class VertexAdapter implements ProviderAdapter {

    /** Gemini 1.5 and 2.x take 1,048,576 input tokens (the safe floor; as the gemini adapter). */
    static final int GEMINI_CONTEXT = 1_048_576;
    /** Claude models' documented window. */
    static final int CLAUDE_CONTEXT = 200_000;
    private static final Pattern LONG_CONTEXT_GEMINI = Pattern.compile("gemini-(1\\.5|2\\.[0-9])(-.*)?");

    private final VertexOptions options;
    private final ProviderContext ctx;
    private final VertexUrls urls;
    private final HttpEndpoint endpoint;
    private final HttpClient client;
    private final AccessTokens tokens;
    private final Clock clock;

    VertexAdapter(VertexOptions options, ProviderContext ctx, VertexUrls urls, AccessTokens tokens) {
        this.options = options;
        this.ctx = ctx;
        this.urls = urls;
        this.tokens = tokens;
        this.clock = ctx.clock() == null ? Clock.SYSTEM : ctx.clock();
        this.endpoint = HttpEndpoint.parse(ctx.baseUrlOr(VertexUrls.defaultBaseUrl(urls.location())));
        if (endpoint.query() != null) {
            throw new IllegalArgumentException("base_url must not carry a query");
        }
        this.client = ctx.vertx().createHttpClient(endpoint.clientOptions("detour-vertex-" + ctx.name()),
                new PoolOptions().setHttp1MaxSize(options.maxConnections()));
    }

    /** Where calls go (for tests and the boot log). */
    VertexUrls urls() {
        return urls;
    }

    /** The host root calls go to. */
    HttpEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        String model = request.model();
        Buffer body;
        try {
            body = body(request, false);
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        long created = clock.now().getEpochSecond();
        boolean claude = VertexUrls.isClaude(model);
        String uri = endpoint.uri(urls.chatPath(model, false));
        return authorized(call, token -> HttpExchange.send(client, HttpExchange.post(endpoint, uri, call), call,
                req -> headers(req, token, false), body, VertexAdapter::error,
                (req, resp) -> HttpExchange.body(resp, HttpExchange.MAX_ANSWER_BYTES).map(b -> {
                    ObjectNode json = parse(b);
                    if (claude) {
                        if (!json.hasNonNull("model")) {
                            json.put("model", model);
                        }
                        return AnthropicCodec.parseResponse(json, created);
                    }
                    return GeminiTranslator.fromGenerateContentResponse(json, fallbackId(call), model, created);
                })));
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        String model = request.model();
        Buffer body;
        try {
            body = body(request, true);
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        long created = clock.now().getEpochSecond();
        boolean claude = VertexUrls.isClaude(model);
        String uri = endpoint.uri(urls.chatPath(model, true));
        return authorized(call, token -> HttpExchange.send(client, HttpExchange.post(endpoint, uri, call), call,
                req -> headers(req, token, true), body, VertexAdapter::error,
                (req, resp) -> claude ? claudeStream(req, resp, call, sink, created)
                        : geminiStream(req, resp, call, sink, model, created)));
    }

    private Future<Void> geminiStream(HttpClientRequest req, HttpClientResponse resp, Call call, ChunkSink sink,
                                      String model, long created) {
        Promise<Void> done = Promise.promise();
        GeminiStreamDecoder decoder = new GeminiStreamDecoder(fallbackId(call), model, created, chunk -> {
            if (!done.future().isComplete() && !call.cancelled()) {
                sink.next(chunk);
            }
        });
        call.onFlowControl(resp::pause, resp::resume);
        resp.handler(buf -> {
            if (done.future().isComplete()) {
                return;
            }
            try {
                decoder.feed(buf);
            } catch (RuntimeException e) {
                // A stream error event, a malformed event or a failing sink: stop reading.
                done.tryFail(TransportErrors.classify(e));
                req.reset();
            }
        });
        resp.exceptionHandler(t -> done.tryFail(TransportErrors.classify(t)));
        resp.endHandler(v -> {
            if (done.future().isComplete()) {
                return;
            }
            try {
                decoder.end();
                done.tryComplete();
            } catch (RuntimeException e) {
                done.tryFail(TransportErrors.classify(e));
            }
        });
        return done.future();
    }

    private Future<Void> claudeStream(HttpClientRequest req, HttpClientResponse resp, Call call, ChunkSink sink,
                                      long created) {
        Promise<Void> done = Promise.promise();
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(chunk -> {
            if (!done.future().isComplete() && !call.cancelled()) {
                sink.next(chunk);
            }
        }, created, VertexErrors::fromClaudeStreamEvent);
        call.onFlowControl(resp::pause, resp::resume);
        resp.handler(buf -> {
            if (done.future().isComplete()) {
                return;
            }
            decoder.feed(buf);
            if (decoder.failure() != null) {
                done.tryFail(decoder.failure());
                // Nothing after an error event is worth reading; free the connection now.
                req.reset();
            } else if (decoder.done()) {
                done.tryComplete();
            }
        });
        resp.exceptionHandler(t -> done.tryFail(TransportErrors.classify(t)));
        resp.endHandler(v -> {
            ProviderException failure = decoder.finish();
            if (failure != null) {
                done.tryFail(failure);
            } else {
                done.tryComplete();
            }
        });
        return done.future();
    }

    /**
     * Runs {@code send} with the current token; when the API answers 401 and the token can be
     * renewed (a service account), forgets that token and runs it once more with a fresh one.
     * Nothing was streamed to the client before a 401, so the second try is invisible.
     */
    private <T> Future<T> authorized(Call call, Function<String, Future<T>> send) {
        return onCallerContext(tokens.token()).compose(token -> send.apply(token).recover(e -> {
            if (tokens.refreshable() && e instanceof ProviderException pe && pe.status() == 401
                    && pe.kind() == ErrorKind.AUTHENTICATION && !call.cancelled()) {
                tokens.invalidate(token);
                return onCallerContext(tokens.token()).compose(fresh -> send.apply(fresh)
                        .recover(again -> Future.failedFuture(scrub(again, fresh))));
            }
            return Future.failedFuture(scrub(e, token));
        }));
    }

    /**
     * Google never echoes the bearer token, but an error message must not be the one place it could
     * leak: core masks the configured {@code api_key}, and a token minted from a service account is
     * known to this adapter alone.
     */
    private static Throwable scrub(Throwable e, String token) {
        if (e instanceof ProviderException pe && token.length() >= 4 && pe.getMessage() != null
                && pe.getMessage().contains(token)) {
            return pe.withMessage(pe.getMessage().replace(token, "***"));
        }
        return e;
    }

    /**
     * A token refresh completes on the context that started it; a call waiting on it from another
     * event loop goes on on its own (its HTTP request, its sink), never on a foreign thread. A
     * cached token is an already completed future and costs nothing here.
     */
    private static <T> Future<T> onCallerContext(Future<T> f) {
        if (f.isComplete()) {
            return f;
        }
        Context caller = Vertx.currentContext();
        if (caller == null) {
            return f;
        }
        Promise<T> p = Promise.promise();
        f.onComplete(ar -> {
            if (Vertx.currentContext() == caller) {
                p.handle(ar);
            } else {
                caller.runOnContext(v -> p.handle(ar));
            }
        });
        return p.future();
    }

    private Buffer body(ChatRequest request, boolean stream) {
        String model = request.model();
        String problem = VertexUrls.modelProblem(model);
        if (problem != null) {
            throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "model '" + model + "': " + problem);
        }
        ObjectNode json;
        if (VertexUrls.isClaude(model)) {
            json = AnthropicCodec.writeRequest(request.stream() == stream ? request : request.toBuilder().stream(stream).build(),
                    options.defaultMaxTokens());
            // Vertex names the model in the URL and wants the API version in the body, not a header.
            json.remove("model");
            json.put("anthropic_version", options.anthropicVersion());
        } else {
            json = GeminiTranslator.toGenerateContentRequest(request, options.safetySettings());
        }
        try {
            return Buffer.buffer(WireJson.MAPPER.writeValueAsBytes(json));
        } catch (JsonProcessingException e) {
            throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "vertex: request not serialisable: " + e.getOriginalMessage());
        }
    }

    private void headers(HttpClientRequest req, String token, boolean stream) {
        for (Map.Entry<String, String> h : ctx.headers().entrySet()) {
            req.putHeader(h.getKey(), h.getValue());
        }
        req.putHeader("authorization", "Bearer " + token);
        req.putHeader("content-type", "application/json");
        req.putHeader("accept", stream ? "text/event-stream" : "application/json");
    }

    private static ProviderException error(int status, io.vertx.core.MultiMap headers, Buffer body) {
        return VertexErrors.fromHttp(status, headers.get("retry-after"), body == null ? "" : body.toString());
    }

    private static ObjectNode parse(Buffer buf) {
        JsonNode json;
        try {
            json = WireJson.MAPPER.readTree(buf.getBytes());
        } catch (IOException e) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "Vertex AI answered with a body that is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "Vertex AI answered with a body that is not a JSON object");
        }
        return (ObjectNode) json;
    }

    private static String fallbackId(Call call) {
        return "vertex-" + call.requestId();
    }

    /**
     * Claude: images, tools, (emulated) JSON, a 200k window. Gemini: images, tools, JSON, a
     * 1,048,576-token window for 1.5 and 2.x models, unknown otherwise. Neither takes other parts.
     */
    @Override
    public Capabilities capabilities(String model) {
        if (VertexUrls.isClaude(model)) {
            return new Capabilities(true, true, true, false, CLAUDE_CONTEXT);
        }
        int window = model != null && LONG_CONTEXT_GEMINI.matcher(model).matches() ? GEMINI_CONTEXT : 0;
        return new Capabilities(true, true, true, false, window);
    }

    @Override
    public String modelProblem(String model) {
        return VertexUrls.modelProblem(model);
    }

    /**
     * Claude continues a prefill, as on Anthropic's own API (the answer so far as the last,
     * assistant message, trailing whitespace trimmed since the API refuses it); Gemini models get
     * the default continue instruction.
     */
    @Override
    public ChatRequest continuation(ChatRequest request, String sent) {
        if (!VertexUrls.isClaude(request.model())) {
            return ProviderAdapter.super.continuation(request, sent);
        }
        return AnthropicCodec.prefillContinuation(request, sent);
    }

    @Override
    public Future<Void> close() {
        tokens.close();
        return client.close();
    }
}
