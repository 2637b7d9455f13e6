package dev.detour.plugin.anthropic;

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
import dev.detour.api.provider.RateLimits;
import dev.detour.wire.anthropic.AnthropicCodec;
import dev.detour.wire.anthropic.AnthropicRateLimits;
import dev.detour.wire.anthropic.AnthropicStreamDecoder;
import dev.detour.wire.http.HttpExchange;
import dev.detour.wire.http.TransportErrors;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code anthropic} adapter: the only class of this plugin doing I/O. One Vert.x HTTP client
 * per configured provider (from the gateway's Vert.x), one {@code POST {base_url}/v1/messages} per
 * invocation with {@code x-api-key}, {@code anthropic-version}, {@code content-type}, the optional
 * {@code anthropic-beta} and the provider's extra {@code headers} (which win over ours).
 *
 * <p>The connect and idle timeouts of each request come from the {@link Call}; when core cancels a
 * call the HTTP request is reset, which closes its connection, and the returned future fails with
 * the cancellation cause. Runs on the event loop and never blocks.
 */
final class AnthropicAdapter implements ProviderAdapter {

    /** Used when the provider has no {@code base_url}. */
    static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /** Documented context window of current Claude models. */
    static final int CLAUDE_CONTEXT_WINDOW = 200_000;

    private final AnthropicOptions options;
    private final ProviderContext context;
    private final Clock clock;
    private final String endpoint;
    private final HttpClientAgent client;

    AnthropicAdapter(AnthropicOptions options, ProviderContext context) {
        this.options = options;
        this.context = context;
        this.clock = context.clock() == null ? Clock.SYSTEM : context.clock();
        this.endpoint = context.baseUrlOr(DEFAULT_BASE_URL) + "/v1/messages";
        // The default pool of 5 connections would queue a busy gateway; core's limits bound concurrency.
        this.client = context.vertx().createHttpClient(context.clientOptions(new HttpClientOptions().setKeepAlive(true)),
                new PoolOptions().setHttp1MaxSize(128));
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        ObjectNode body;
        try {
            body = AnthropicCodec.writeRequest(request.stream() ? request.toBuilder().stream(false).build() : request,
                    options.defaultMaxTokens());
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        Promise<ChatResponse> promise = Promise.promise();
        send(body, call, promise, new AtomicReference<>()).onComplete(ar -> {
            if (ar.failed()) {
                promise.tryFail(TransportErrors.classify(ar.cause()));
                return;
            }
            HttpClientResponse response = ar.result();
            (isSuccess(response.statusCode()) ? HttpExchange.body(response, HttpExchange.MAX_ANSWER_BYTES)
                    : HttpExchange.prefix(response, HttpExchange.MAX_ERROR_BYTES)).onComplete(b -> {
                if (b.failed()) {
                    promise.tryFail(TransportErrors.classify(b.cause()));
                } else if (!isSuccess(response.statusCode())) {
                    promise.tryFail(error(response, b.result()));
                } else {
                    try {
                        promise.tryComplete(AnthropicCodec.parseResponse(parse(b.result()), now()));
                    } catch (ProviderException e) {
                        promise.tryFail(e);
                    }
                }
            });
        });
        return promise.future();
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        ObjectNode body;
        try {
            body = AnthropicCodec.writeRequest(request.stream() ? request : request.toBuilder().stream(true).build(),
                    options.defaultMaxTokens());
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        Promise<Void> promise = Promise.promise();
        AtomicReference<HttpClientRequest> current = new AtomicReference<>();
        send(body, call, promise, current).onComplete(ar -> {
            if (ar.failed()) {
                promise.tryFail(TransportErrors.classify(ar.cause()));
                return;
            }
            HttpClientResponse response = ar.result();
            if (!isSuccess(response.statusCode())) {
                HttpExchange.prefix(response, HttpExchange.MAX_ERROR_BYTES).onComplete(b -> promise.tryFail(b.succeeded() ? error(response, b.result())
                        : TransportErrors.classify(b.cause())));
                return;
            }
            AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(chunk -> {
                if (!promise.future().isComplete()) {
                    sink.next(chunk);
                }
            }, now(), json -> AnthropicErrors.fromStreamError(json, context.apiKey()));
            call.onFlowControl(response::pause, response::resume);
            response.handler(buffer -> {
                if (promise.future().isComplete()) {
                    return;
                }
                decoder.feed(buffer);
                if (decoder.failure() != null) {
                    promise.tryFail(decoder.failure());
                    // Nothing after an error event is worth reading; free the connection now.
                    current.get().reset();
                } else if (decoder.done()) {
                    promise.tryComplete();
                }
            });
            response.exceptionHandler(t -> promise.tryFail(TransportErrors.classify(t)));
            response.endHandler(v -> {
                ProviderException failure = decoder.finish();
                if (failure != null) {
                    promise.tryFail(failure);
                } else {
                    promise.tryComplete();
                }
            });
        });
        return promise.future();
    }

    /**
     * Claude models accept images and tools and (emulated) JSON, never unmodelled part types; their
     * documented context window is 200k tokens. Other model names get an unknown window.
     */
    @Override
    public Capabilities capabilities(String model) {
        boolean claude = model != null && model.startsWith("claude");
        return new Capabilities(true, true, true, false, claude ? CLAUDE_CONTEXT_WINDOW : 0);
    }

    /**
     * Anthropic's prefill: the answer so far as the last (assistant) message, which the model
     * continues. The API refuses a final assistant message that ends in whitespace, so that is
     * trimmed off (core drops the whitespace the continuation then starts with, which the client
     * already has). Models that refuse prefills answer 400; core then tries the next target.
     */
    @Override
    public ChatRequest continuation(ChatRequest request, String sent) {
        return AnthropicCodec.prefillContinuation(request, sent);
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    /** Opens the one HTTP exchange of a call; the promise is failed when core cancels the call. */
    private Future<HttpClientResponse> send(ObjectNode body, Call call, Promise<?> promise,
                                            AtomicReference<HttpClientRequest> current) {
        call.onCancel(cause -> {
            // Fail first: reset() reports its own StreamResetException synchronously.
            promise.tryFail(cause != null ? cause
                    : new ProviderException(ErrorKind.TIMEOUT, 0, "anthropic: call cancelled"));
            HttpClientRequest r = current.get();
            if (r != null) {
                r.reset();
            }
        });
        if (call.cancelled()) {
            return Future.failedFuture(new ProviderException(ErrorKind.TIMEOUT, 0, "anthropic: call cancelled"));
        }
        Buffer payload;
        try {
            payload = Buffer.buffer(WireJson.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            return Future.failedFuture(new ProviderException(ErrorKind.INVALID_REQUEST, 0,
                    "anthropic: request not serialisable: " + e.getOriginalMessage()));
        }
        return client.request(requestOptions(call)).compose(request -> {
            current.set(request);
            if (call.cancelled()) {
                request.reset();
                return Future.failedFuture(new ProviderException(ErrorKind.TIMEOUT, 0, "anthropic: call cancelled"));
            }
            return request.send(payload);
        }).map(response -> {
            RateLimits limits = AnthropicRateLimits.of(response.headers(), clock.now());
            if (limits.any()) {
                call.rateLimits(limits);
            }
            return response;
        });
    }

    private RequestOptions requestOptions(Call call) {
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(endpoint);
        Duration connect = call.connectTimeout();
        if (connect != null && !connect.isZero() && !connect.isNegative()) {
            ro.setConnectTimeout(connect.toMillis());
        }
        if (context.apiKey() != null && !context.apiKey().isEmpty()) {
            ro.putHeader("x-api-key", context.apiKey());
        }
        ro.putHeader("anthropic-version", options.anthropicVersion());
        ro.putHeader("content-type", "application/json");
        if (!options.beta().isEmpty()) {
            ro.putHeader("anthropic-beta", String.join(",", options.beta()));
        }
        for (Map.Entry<String, String> h : context.headers().entrySet()) {
            ro.putHeader(h.getKey(), h.getValue());
        }
        call.extraHeaders().forEach(ro::putHeader);
        return ro;
    }

    private ProviderException error(HttpClientResponse response, Buffer body) {
        return AnthropicErrors.fromResponse(response.statusCode(), response::getHeader,
                body == null ? new byte[0] : body.getBytes(), clock.now(), context.apiKey());
    }

    private long now() {
        return clock.now().getEpochSecond();
    }

    private static boolean isSuccess(int status) {
        return status >= 200 && status < 300;
    }

    private static JsonNode parse(Buffer body) {
        try {
            return WireJson.MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            throw new ProviderException(ErrorKind.UNKNOWN, 200, "anthropic: response body is not JSON");
        }
    }
}
