package dev.detour.plugin.gemini;

import dev.detour.wire.gemini.GeminiTranslator;
import dev.detour.wire.gemini.GeminiErrors;
import dev.detour.wire.gemini.GeminiStreamDecoder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ChunkSink;
import dev.detour.wire.http.HttpExchange;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.wire.http.TransportErrors;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code gemini} adapter: the only class of the plugin doing I/O. One Vert.x HTTP client per
 * configured provider; exactly one HTTP call per invocation. Calls
 * {@code {base_url}/{api_version}/models/{model}:generateContent},
 * {@code :streamGenerateContent?alt=sse}, {@code :embedContent} and {@code :batchEmbedContents}
 * with the key in the {@code x-goog-api-key} header (never in the URL, so it cannot leak into
 * access logs or error messages), plus the provider's extra headers.
 */
final class GeminiAdapter implements ProviderAdapter {
    /** The Generative Language API host, used when the provider has no {@code base_url}. */
    static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

    /** Gemini 1.5 and 2.x models take 1,048,576 input tokens (gemini-1.5-pro takes more; this is the safe floor). */
    static final int LONG_CONTEXT = 1_048_576;
    private static final Pattern LONG_CONTEXT_MODELS = Pattern.compile("(models/)?gemini-(1\\.5|2\\.[0-9])(-.*)?");

    private final GeminiOptions options;
    private final ProviderContext ctx;
    private final String baseUrl;
    private final HttpClientAgent client;

    GeminiAdapter(GeminiOptions options, ProviderContext ctx) {
        this.options = options;
        this.ctx = ctx;
        this.baseUrl = ctx.baseUrlOr(DEFAULT_BASE_URL);
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("base_url: expected an http(s) URL, got '" + baseUrl + "'");
        }
        this.client = ctx.vertx().createHttpClient(ctx.clientOptions(new HttpClientOptions()
                .setKeepAlive(true)
                .setDecompressionSupported(true)));
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        Buffer body;
        String url;
        try {
            url = modelUrl(request.model(), "generateContent");
            body = Buffer.buffer(GeminiTranslator.toGenerateContentRequest(request, options.safetySettings()).toString());
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        long created = ctx.clock().now().getEpochSecond();
        return send(url, body, call).compose(resp -> bodyOf(resp).compose(buf -> {
            if (resp.statusCode() / 100 != 2) {
                return Future.failedFuture(errorOf(resp, buf));
            }
            return parse(buf, json -> GeminiTranslator.fromGenerateContentResponse(json, fallbackId(call),
                    request.model(), created));
        })).recover(GeminiAdapter::classified);
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        Buffer body;
        String url;
        try {
            url = modelUrl(request.model(), "streamGenerateContent") + "?alt=sse";
            body = Buffer.buffer(GeminiTranslator.toGenerateContentRequest(request, options.safetySettings()).toString());
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        long created = ctx.clock().now().getEpochSecond();
        Promise<Void> done = Promise.promise();
        HttpClientRequest[] sent = new HttpClientRequest[1];
        send(url, body, call, sent).onFailure(t -> done.tryFail(TransportErrors.classify(t))).onSuccess(resp -> {
            if (resp.statusCode() / 100 != 2) {
                HttpExchange.prefix(resp, HttpExchange.MAX_ERROR_BYTES).onComplete(ar -> done.tryFail(ar.succeeded() ? errorOf(resp, ar.result())
                        : TransportErrors.classify(ar.cause())));
                return;
            }
            GeminiStreamDecoder decoder = new GeminiStreamDecoder(fallbackId(call), request.model(), created, chunk -> {
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
                    // A stream error event, a malformed event, or a failing sink: stop reading.
                    done.tryFail(TransportErrors.classify(e));
                    sent[0].reset();
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
        });
        return done.future();
    }

    /** A 2xx body whole (bounded), an error body's first bytes. */
    private static Future<Buffer> bodyOf(HttpClientResponse resp) {
        return resp.statusCode() / 100 == 2 ? HttpExchange.body(resp, HttpExchange.MAX_ANSWER_BYTES)
                : HttpExchange.prefix(resp, HttpExchange.MAX_ERROR_BYTES);
    }

    @Override
    public Future<EmbeddingResponse> embed(EmbeddingRequest request, Call call) {
        Buffer body;
        String url;
        try {
            url = modelUrl(request.model(), GeminiTranslator.embedMethod(request));
            body = Buffer.buffer(GeminiTranslator.toEmbedRequest(request).toString());
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        return send(url, body, call).compose(resp -> bodyOf(resp).compose(buf -> {
            if (resp.statusCode() / 100 != 2) {
                return Future.failedFuture(errorOf(resp, buf));
            }
            return parse(buf, json -> GeminiTranslator.fromEmbedResponse(json, request.model(), request.input().size()));
        })).recover(GeminiAdapter::classified);
    }

    /**
     * Vision, tools and JSON modes for every model; other part types (audio, files) are refused
     * because the canonical model cannot carry them to Gemini yet. Gemini 1.5 and 2.x models
     * declare a 1,048,576-token window; other models leave it unknown (0, never checked).
     */
    @Override
    public Capabilities capabilities(String model) {
        int window = model != null && LONG_CONTEXT_MODELS.matcher(model).matches() ? LONG_CONTEXT : 0;
        return new Capabilities(true, true, true, false, window);
    }

    /** A name that {@link GeminiTranslator#modelId} would refuse: it goes into the URL path. */
    @Override
    public String modelProblem(String model) {
        return GeminiTranslator.isModelName(model) ? null
                : "Gemini model names are letters, digits, '.', '_' and '-' (optionally after 'models/')";
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    // ---------------------------------------------------------------- HTTP

    private String modelUrl(String model, String method) {
        return baseUrl + "/" + options.apiVersion() + "/models/" + GeminiTranslator.modelId(model) + ":" + method;
    }

    private Future<HttpClientResponse> send(String url, Buffer body, Call call) {
        return send(url, body, call, new HttpClientRequest[1]);
    }

    private Future<HttpClientResponse> send(String url, Buffer body, Call call, HttpClientRequest[] sent) {
        if (call.cancelled()) {
            return Future.failedFuture(new ProviderException(ErrorKind.CONNECTION, 0, "call cancelled before it was sent"));
        }
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(url)
                .setConnectTimeout(call.connectTimeout().toMillis());
        for (Map.Entry<String, String> h : ctx.headers().entrySet()) {
            ro.putHeader(h.getKey(), h.getValue());
        }
        ro.putHeader("content-type", "application/json");
        ro.putHeader("accept", url.endsWith("alt=sse") ? "text/event-stream" : "application/json");
        if (ctx.apiKey() != null && !ctx.apiKey().isEmpty()) {
            ro.putHeader("x-goog-api-key", ctx.apiKey());
        }
        call.extraHeaders().forEach(ro::putHeader);
        return client.request(ro).compose(req -> {
            sent[0] = req;
            // Core abandons the call on its own timeouts or a client disconnect: close the connection.
            call.onCancel(e -> req.reset());
            return req.send(body);
        });
    }

    private ProviderException errorOf(HttpClientResponse resp, Buffer body) {
        ProviderException e = GeminiErrors.fromHttp(resp.statusCode(), resp.getHeader("retry-after"), body.toString());
        return scrub(e);
    }

    /** Google never echoes the key, but an error message must not be the one place it could leak. */
    private ProviderException scrub(ProviderException e) {
        String key = ctx.apiKey();
        if (key != null && key.length() >= 4 && e.getMessage() != null && e.getMessage().contains(key)) {
            return e.withMessage(e.getMessage().replace(key, "***"));
        }
        return e;
    }

    private static <T> Future<T> parse(Buffer buf, Function<JsonNode, T> translate) {
        JsonNode json;
        try {
            json = GeminiTranslator.MAPPER.readTree(buf.getBytes());
        } catch (IOException e) {
            return Future.failedFuture(new ProviderException(ErrorKind.SERVER_ERROR, 200, "Gemini answered with a body that is not JSON"));
        }
        if (json == null || !json.isObject()) {
            return Future.failedFuture(new ProviderException(ErrorKind.SERVER_ERROR, 200, "Gemini answered with a body that is not a JSON object"));
        }
        try {
            return Future.succeededFuture(translate.apply(json));
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
    }

    private static <T> Future<T> classified(Throwable t) {
        return Future.failedFuture(TransportErrors.classify(t));
    }

    private static String fallbackId(Call call) {
        return "gemini-" + call.requestId();
    }
}
