package dev.detour.plugin.azure;

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
 * The {@code azure-openai} adapter, the only class of this plugin doing I/O: one Vert.x HTTP/1.1
 * client per provider; each invocation makes exactly one request to the deployment of the
 * request's model. A cancelled call resets its request, which closes the connection.
 * Thread-safe: the client and precomputed headers are shared read-only.
 */
final class AzureAdapter implements ProviderAdapter {

    private static final String JSON = "application/json";
    private static final String EVENT_STREAM = "text/event-stream";

    private final AzureOptions options;
    private final AzureEndpoint endpoint;
    private final MultiMap headers;
    private final HttpClient client;
    private final Clock clock;
    private final String apiKey;

    AzureAdapter(AzureOptions options, ProviderContext ctx) {
        this.options = options;
        String base = ctx.baseUrl() != null && !ctx.baseUrl().isEmpty() ? ctx.baseUrl()
                : options.resource() != null ? "https://" + options.resource() + ".openai.azure.com" : null;
        if (base == null) {
            throw new IllegalArgumentException("azure-openai needs base_url (https://{resource}.openai.azure.com) or options.resource");
        }
        this.endpoint = AzureEndpoint.parse(ctx.baseUrlOr(base), options.apiVersion());
        this.apiKey = ctx.apiKey() == null || ctx.apiKey().isEmpty() ? null : ctx.apiKey();
        this.headers = staticHeaders(options, apiKey, ctx.headers());
        this.clock = ctx.clock() == null ? Clock.SYSTEM : ctx.clock();
        HttpClientOptions http = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setSsl(endpoint.ssl())
                .setForceSni(endpoint.ssl() && !endpoint.hostIsIpLiteral())
                .setName("detour-azure-openai-" + ctx.name());
        this.client = ctx.vertx().createHttpClient(http, new PoolOptions().setHttp1MaxSize(options.maxConnections()));
    }

    /**
     * Headers sent on every call: the key as {@code api-key}, or as a bearer token for Entra ID;
     * never both, so a proxy cannot pick the wrong one. Extra headers come last and may override.
     */
    static MultiMap staticHeaders(AzureOptions options, String apiKey, Map<String, String> extra) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        h.set(HttpHeaders.CONTENT_TYPE, JSON);
        if (apiKey != null) {
            if (options.bearer()) {
                h.set(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
            } else {
                h.set("api-key", apiKey);
            }
        }
        extra.forEach(h::set);
        return h;
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        Buffer body;
        try {
            body = AzureTranslator.chatBody(request, false);
        } catch (RuntimeException e) {
            return Future.failedFuture(AzureErrors.fromFailure(e));
        }
        return exchange(request.model(), "/chat/completions", body, JSON, call,
                (req, resp) -> resp.body().map(b -> AzureTranslator.chatResponse(AzureTranslator.readJson(b, "response"))));
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        Buffer body;
        try {
            body = AzureTranslator.chatBody(request, true);
        } catch (RuntimeException e) {
            return Future.failedFuture(AzureErrors.fromFailure(e));
        }
        return exchange(request.model(), "/chat/completions", body, EVENT_STREAM, call, (req, resp) -> {
            String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type != null && type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
                return resp.body().compose(b -> {
                    AzureTranslator.readJson(b, "response");
                    return Future.failedFuture(new ProviderException(ErrorKind.SERVER_ERROR, resp.statusCode(),
                            "upstream answered a stream request with JSON instead of text/event-stream"));
                });
            }
            Promise<Void> done = Promise.promise();
            AzureStreamDecoder decoder = new AzureStreamDecoder(sink, done);
            resp.exceptionHandler(t -> decoder.fail(AzureErrors.fromFailure(t)));
            resp.handler(decoder::feed);
            resp.endHandler(v -> decoder.end());
            // A failed stream leaves the body half read: close the connection rather than pool it.
            return done.future().onFailure(t -> req.reset());
        });
    }

    @Override
    public Future<EmbeddingResponse> embed(EmbeddingRequest request, Call call) {
        Buffer body;
        try {
            body = AzureTranslator.embeddingBody(request);
        } catch (RuntimeException e) {
            return Future.failedFuture(AzureErrors.fromFailure(e));
        }
        return exchange(request.model(), "/embeddings", body, JSON, call,
                (req, resp) -> resp.body().map(b -> AzureTranslator.embeddingResponse(
                        AzureTranslator.readJson(b, "embeddings response"))));
    }

    /** Azure deploys OpenAI's models, which take images, tools and JSON modes; narrow per target if needed. */
    @Override
    public Capabilities capabilities(String model) {
        return Capabilities.ALL;
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    private <T> Future<T> exchange(String model, String operation, Buffer body, String accept, Call call,
                                   OnSuccess<T> onSuccess) {
        if (call.cancelled()) {
            return Future.failedFuture(new ProviderException(ErrorKind.TIMEOUT, 0, "call cancelled before it started"));
        }
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.ssl())
                .setURI(endpoint.uri(options.deploymentFor(model), operation));
        long connect = millis(call.connectTimeout());
        if (connect > 0) {
            ro.setConnectTimeout(connect);
        }
        long idle = millis(call.idleTimeout());
        if (idle > 0) {
            ro.setIdleTimeout(idle);
        }
        return client.request(ro)
                .compose(req -> {
                    req.headers().addAll(headers);
                    req.putHeader(HttpHeaders.ACCEPT, accept);
                    call.onCancel(e -> req.reset());
                    return req.send(body).compose(resp -> {
                        int status = resp.statusCode();
                        if (status < 200 || status >= 300) {
                            return resp.body().transform(ar -> Future.failedFuture(AzureErrors.fromResponse(status,
                                    resp.headers(), ar.succeeded() ? ar.result() : null, clock.now())));
                        }
                        return onSuccess.apply(req, resp);
                    });
                })
                .recover(t -> Future.failedFuture(scrub(AzureErrors.fromFailure(t))));
    }

    /** Keeps an upstream that echoes the key or token from leaking it through a message. */
    private ProviderException scrub(ProviderException e) {
        String m = e.getMessage();
        return apiKey != null && m != null && m.contains(apiKey) ? e.withMessage(m.replace(apiKey, "[redacted]")) : e;
    }

    private static long millis(Duration d) {
        return d == null || d.isNegative() ? 0 : d.toMillis();
    }

    @FunctionalInterface
    private interface OnSuccess<T> {
        Future<T> apply(HttpClientRequest request, HttpClientResponse response);
    }
}
