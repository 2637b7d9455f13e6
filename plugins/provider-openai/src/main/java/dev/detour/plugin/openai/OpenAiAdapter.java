package dev.detour.plugin.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code openai} adapter: the only class of this plugin doing I/O. One Vert.x HTTP/1.1
 * client per provider (keep-alive, no pipelining, a bounded pool), created from the gateway's
 * Vert.x; the base URL is parsed once. Each invocation makes exactly one HTTP request.
 *
 * <p>Cancellation: every request registers {@code call.onCancel(e -> request.reset())}, which
 * closes the HTTP/1.1 connection, so a call core abandoned (timeout, client gone) does not keep a
 * connection or a provider slot busy. Thread-safe: the client and the precomputed headers are
 * shared read-only across event loops.
 */
final class OpenAiAdapter implements ProviderAdapter {

    /** OpenAI's own endpoint, used when the provider has no {@code base_url}. */
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

    private static final String JSON = "application/json";
    private static final String EVENT_STREAM = "text/event-stream";

    private final OpenAiEndpoint endpoint;
    private final MultiMap headers;
    private final HttpClient client;
    private final Clock clock;
    private final String apiKey;

    OpenAiAdapter(OpenAiOptions options, ProviderContext ctx) {
        this.endpoint = OpenAiEndpoint.parse(ctx.baseUrlOr(DEFAULT_BASE_URL));
        this.headers = staticHeaders(options, ctx.apiKey(), ctx.headers());
        this.clock = ctx.clock() == null ? Clock.SYSTEM : ctx.clock();
        this.apiKey = ctx.apiKey() == null || ctx.apiKey().isEmpty() ? null : ctx.apiKey();
        HttpClientOptions http = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setSsl(endpoint.ssl())
                // Cloud endpoints behind shared front doors need SNI; an IP literal must not be sent as SNI.
                .setForceSni(endpoint.ssl() && !endpoint.hostIsIpLiteral())
                .setName("detour-openai-" + ctx.name());
        this.client = ctx.vertx().createHttpClient(http, new PoolOptions().setHttp1MaxSize(options.maxConnections()));
    }

    /**
     * Headers sent on every call, computed once. The extra {@code headers} come last so a provider
     * may override a default (e.g. Azure's {@code api-key} instead of a bearer token).
     */
    static MultiMap staticHeaders(OpenAiOptions options, String apiKey, Map<String, String> extra) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        h.set(HttpHeaders.CONTENT_TYPE, JSON);
        if (apiKey != null && !apiKey.isEmpty()) {
            h.set(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
        }
        if (options.organization() != null) {
            h.set("OpenAI-Organization", options.organization());
        }
        if (options.project() != null) {
            h.set("OpenAI-Project", options.project());
        }
        extra.forEach(h::set);
        return h;
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        Buffer body;
        try {
            body = OpenAiTranslator.chatBody(request, false);
        } catch (RuntimeException e) {
            return Future.failedFuture(OpenAiErrors.fromFailure(e));
        }
        return exchange("/chat/completions", body, JSON, call,
                (req, resp) -> resp.body().map(b -> OpenAiTranslator.chatResponse(
                        errorIn200(OpenAiTranslator.readJson(b, "response")))));
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        Buffer body;
        try {
            body = OpenAiTranslator.chatBody(request, true);
        } catch (RuntimeException e) {
            return Future.failedFuture(OpenAiErrors.fromFailure(e));
        }
        return exchange("/chat/completions", body, EVENT_STREAM, call, (req, resp) -> {
            String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type != null && type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
                // A server that ignored stream:true (or reports an error with 200): no chunks will come.
                return resp.body().compose(b -> {
                    errorIn200(OpenAiTranslator.readJson(b, "response"));
                    return Future.failedFuture(new ProviderException(ErrorKind.SERVER_ERROR, resp.statusCode(),
                            "upstream answered a stream request with JSON instead of text/event-stream"));
                });
            }
            Promise<Void> done = Promise.promise();
            OpenAiStreamDecoder decoder = new OpenAiStreamDecoder(sink, done);
            resp.exceptionHandler(t -> decoder.fail(OpenAiErrors.fromFailure(t)));
            resp.handler(decoder::feed);
            resp.endHandler(v -> decoder.end());
            // An error event or a failing sink leaves the body half read: close the connection
            // rather than return it to the pool with bytes still in flight.
            return done.future().onFailure(t -> req.reset());
        });
    }

    @Override
    public Future<EmbeddingResponse> embed(EmbeddingRequest request, Call call) {
        Buffer body;
        try {
            body = OpenAiTranslator.embeddingBody(request);
        } catch (RuntimeException e) {
            return Future.failedFuture(OpenAiErrors.fromFailure(e));
        }
        return exchange("/embeddings", body, JSON, call,
                (req, resp) -> resp.body().map(b -> OpenAiTranslator.embeddingResponse(
                        errorIn200(OpenAiTranslator.readJson(b, "embeddings response")))));
    }

    /**
     * Everything: OpenAI-compatible endpoints differ too much (a local vLLM model may lack vision
     * or tools) for a per-model table to be right; users narrow a target with {@code capabilities:}.
     */
    @Override
    public Capabilities capabilities(String model) {
        return Capabilities.ALL;
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    /** The one HTTP exchange behind every operation; non-2xx answers are classified here. */
    private <T> Future<T> exchange(String operation, Buffer body, String accept, Call call,
                                   OnSuccess<T> onSuccess) {
        if (call.cancelled()) {
            return Future.failedFuture(new ProviderException(ErrorKind.TIMEOUT, 0, "call cancelled before it started"));
        }
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.ssl())
                .setURI(endpoint.uri(operation));
        long connect = millis(call.connectTimeout());
        if (connect > 0) {
            options.setConnectTimeout(connect);
        }
        long idle = millis(call.idleTimeout());
        if (idle > 0) {
            options.setIdleTimeout(idle);
        }
        return client.request(options)
                .compose(req -> {
                    req.headers().addAll(headers);
                    req.putHeader(HttpHeaders.ACCEPT, accept);
                    // Runs at once if core cancelled while the connection was being acquired.
                    call.onCancel(e -> req.reset());
                    return req.send(body).compose(resp -> {
                        int status = resp.statusCode();
                        if (status < 200 || status >= 300) {
                            return resp.body().transform(ar -> Future.failedFuture(OpenAiErrors.fromResponse(status,
                                    resp.headers(), ar.succeeded() ? ar.result() : null, clock.now())));
                        }
                        return onSuccess.apply(req, resp);
                    });
                })
                .recover(t -> Future.failedFuture(scrub(OpenAiErrors.fromFailure(t))));
    }

    /**
     * Core scrubs keys from every message again; doing it here too is cheap (failure path only)
     * and keeps an upstream that echoes the key from leaking it through a plugin-level log.
     */
    private ProviderException scrub(ProviderException e) {
        String m = e.getMessage();
        return apiKey != null && m != null && m.contains(apiKey) ? e.withMessage(m.replace(apiKey, "[redacted]")) : e;
    }

    /** A 2xx body that carries an error object instead of an answer (some compatible servers). */
    private static JsonNode errorIn200(JsonNode body) {
        if (body.hasNonNull("error") && !body.has("choices") && !body.has("data")) {
            throw OpenAiErrors.fromStreamError(body);
        }
        return body;
    }

    private static long millis(Duration d) {
        return d == null || d.isNegative() ? 0 : d.toMillis();
    }

    /** What to do with a 2xx response. */
    @FunctionalInterface
    private interface OnSuccess<T> {
        Future<T> apply(HttpClientRequest request, HttpClientResponse response);
    }
}
