package dev.detour.plugin.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import dev.detour.api.wire.OpenAiJson;
import io.vertx.core.Future;
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

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The {@code bedrock} adapter, the only class of this plugin doing I/O: one Vert.x HTTP/1.1 client
 * per provider; each invocation signs and sends exactly one request. A cancelled call resets its
 * request, which closes the connection. Credentials live only in the signer; no message, log or
 * {@code toString} carries them. Thread-safe.
 */
final class BedrockAdapter implements ProviderAdapter {

    private static final String JSON = "application/json";
    private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

    private final String scheme;
    private final String host;
    private final int port;
    private final boolean ssl;
    private final String pathPrefix;
    private final String hostHeader;
    private final String region;
    private final BedrockSigner signer;
    private final Map<String, String> extraHeaders;
    private final HttpClient client;
    private final Clock clock;

    BedrockAdapter(BedrockOptions options, ProviderContext ctx, UnaryOperator<String> env) {
        this.region = region(options, ctx);
        URI base;
        try {
            base = new URI(ctx.baseUrlOr("https://bedrock-runtime." + region + ".amazonaws.com"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("base_url is not a valid URL: '" + ctx.baseUrl() + "'");
        }
        this.scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null) {
            throw new IllegalArgumentException("base_url must be an absolute http(s) URL (was '" + ctx.baseUrl() + "')");
        }
        if (base.getUserInfo() != null || base.getRawQuery() != null) {
            throw new IllegalArgumentException("base_url must not carry user info or a query");
        }
        this.ssl = scheme.equals("https");
        String h = base.getHost();
        // URI keeps IPv6 literals bracketed; the socket wants them bare, the Host header bracketed.
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.port = base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80;
        boolean defaultPort = port == (ssl ? 443 : 80);
        this.hostHeader = defaultPort ? h : h + ":" + port;
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        this.pathPrefix = path;
        this.signer = new BedrockSigner(BedrockCredentials.resolve(options, env), region);
        this.extraHeaders = ctx.headers();
        this.clock = ctx.clock() == null ? Clock.SYSTEM : ctx.clock();
        HttpClientOptions http = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setSsl(ssl)
                .setForceSni(ssl)
                .setName("detour-bedrock-" + ctx.name());
        this.client = ctx.vertx().createHttpClient(http, new PoolOptions().setHttp1MaxSize(options.maxConnections()));
    }

    private static String region(BedrockOptions options, ProviderContext ctx) {
        if (options.awsRegion() != null) {
            return options.awsRegion();
        }
        String label = ctx.region();
        if (label.matches("[a-z]{2}(-[a-z0-9]+)+-\\d+")) {
            return label;
        }
        throw new IllegalArgumentException("bedrock needs an AWS region: set the provider's region (e.g. us-east-1) or "
                + "options.aws_region" + (label.isEmpty() ? "" : " (region label '" + label + "' is not an AWS region)"));
    }

    /** The region requests are signed for. */
    String region() {
        return region;
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        byte[] body;
        try {
            body = write(BedrockTranslator.request(request));
        } catch (RuntimeException e) {
            return Future.failedFuture(BedrockErrors.fromFailure(e));
        }
        long created = clock.now().getEpochSecond();
        return exchange(request.model(), "/converse", body, JSON, call, (req, resp) -> resp.body().map(b -> {
            JsonNode json;
            try {
                json = OpenAiJson.MAPPER.readTree(b.getBytes());
            } catch (IOException e) {
                throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a response that is not JSON");
            }
            if (json == null || !json.isObject()) {
                throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a response that is not a JSON object");
            }
            return BedrockTranslator.response(json, responseId(resp, call), request.model(), created);
        }));
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        byte[] body;
        try {
            body = write(BedrockTranslator.request(request));
        } catch (RuntimeException e) {
            return Future.failedFuture(BedrockErrors.fromFailure(e));
        }
        long created = clock.now().getEpochSecond();
        return exchange(request.model(), "/converse-stream", body, EVENT_STREAM, call, (req, resp) -> {
            String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type != null && type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
                return resp.body().compose(b -> Future.failedFuture(new ProviderException(ErrorKind.SERVER_ERROR,
                        resp.statusCode(), "upstream answered a stream request with JSON instead of an event stream")));
            }
            Promise<Void> done = Promise.promise();
            BedrockStreamDecoder decoder = new BedrockStreamDecoder(sink, done, responseId(resp, call), request.model(), created);
            resp.exceptionHandler(t -> decoder.fail(BedrockErrors.fromFailure(t)));
            resp.handler(decoder::feed);
            resp.endHandler(v -> decoder.end());
            // A failed stream leaves the body half read: close the connection rather than pool it.
            return done.future().onFailure(t -> req.reset());
        });
    }

    /** Vision and tools through Converse; no JSON mode, no audio or file parts. */
    @Override
    public Capabilities capabilities(String model) {
        return new Capabilities(true, true, false, false, 0);
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    private <T> Future<T> exchange(String model, String operation, byte[] body, String accept, Call call,
                                   OnSuccess<T> onSuccess) {
        if (call.cancelled()) {
            return Future.failedFuture(new ProviderException(ErrorKind.TIMEOUT, 0, "call cancelled before it started"));
        }
        String path = pathPrefix + "/model/" + encodePathSegment(model) + operation;
        Map<String, String> signed;
        try {
            Map<String, String> toSign = new LinkedHashMap<>();
            toSign.put("Content-Type", JSON);
            toSign.put("Accept", accept);
            signed = signer.sign(URI.create(scheme + "://" + hostHeader + path), toSign, body, clock.now());
        } catch (RuntimeException e) {
            // The SDK's messages name the failing step, never the secret; keep only the class to be sure.
            return Future.failedFuture(new ProviderException(ErrorKind.UNKNOWN, 0,
                    "could not sign the request: " + e.getClass().getSimpleName()));
        }
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(host)
                .setPort(port)
                .setSsl(ssl)
                .setURI(path);
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
                    // Extra headers first: the signed ones must reach the wire exactly as signed.
                    extraHeaders.forEach(req::putHeader);
                    signed.forEach(req::putHeader);
                    call.onCancel(e -> req.reset());
                    return req.send(Buffer.buffer(body)).compose(resp -> {
                        int status = resp.statusCode();
                        if (status < 200 || status >= 300) {
                            return resp.body().transform(ar -> Future.failedFuture(BedrockErrors.fromResponse(status,
                                    resp.headers(), ar.succeeded() ? ar.result() : null)));
                        }
                        return onSuccess.apply(req, resp);
                    });
                })
                .recover(t -> Future.failedFuture(BedrockErrors.fromFailure(t)));
    }

    private static String responseId(HttpClientResponse resp, Call call) {
        String id = resp.getHeader("x-amzn-RequestId");
        return id != null && !id.isEmpty() ? id : "bedrock-" + call.requestId();
    }

    /**
     * RFC 3986 percent-encoding of one path segment, as the AWS SDKs encode {@code {modelId}}:
     * inference-profile ids carry {@code :} and ARNs carry {@code /}, both encoded.
     */
    static String encodePathSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static byte[] write(JsonNode body) {
        try {
            return OpenAiJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not serialise the request body", e);
        }
    }

    private static long millis(Duration d) {
        return d == null || d.isNegative() ? 0 : d.toMillis();
    }

    @FunctionalInterface
    private interface OnSuccess<T> {
        Future<T> apply(HttpClientRequest request, HttpClientResponse response);
    }
}
