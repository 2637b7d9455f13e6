package dev.detour.plugin.bedrock;

import dev.detour.wire.http.WireJson;
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
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.http.HttpExchange;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.wire.http.RequestChecks;
import dev.detour.wire.http.TransportErrors;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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

    private final HttpEndpoint endpoint;
    private final String region;
    private final BedrockSigner signer;
    private final Map<String, String> extraHeaders;
    private final HttpClient client;
    private final Clock clock;

    BedrockAdapter(BedrockOptions options, ProviderContext ctx, UnaryOperator<String> env) {
        this.region = region(options, ctx);
        this.endpoint = HttpEndpoint.parse(ctx.baseUrlOr("https://bedrock-runtime." + region + ".amazonaws.com"));
        if (endpoint.query() != null) {
            throw new IllegalArgumentException("base_url must not carry a query");
        }
        this.signer = new BedrockSigner(BedrockCredentials.resolve(options, env), region);
        this.extraHeaders = ctx.headers();
        this.clock = ctx.clock() == null ? Clock.SYSTEM : ctx.clock();
        this.client = ctx.vertx().createHttpClient(ctx.clientOptions(endpoint.clientOptions("detour-bedrock-" + ctx.name())),
                new PoolOptions().setHttp1MaxSize(options.maxConnections()));
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
        long created = clock.now().getEpochSecond();
        return exchange(request, "/converse", JSON, call, (req, resp) -> HttpExchange.body(resp, HttpExchange.MAX_ANSWER_BYTES).map(b -> {
            JsonNode json;
            try {
                json = WireJson.MAPPER.readTree(b.getBytes());
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
        long created = clock.now().getEpochSecond();
        return exchange(request, "/converse-stream", EVENT_STREAM, call, (req, resp) -> {
            String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type != null && type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
                return HttpExchange.body(resp, HttpExchange.MAX_ANSWER_BYTES).compose(b -> Future.failedFuture(new ProviderException(ErrorKind.SERVER_ERROR,
                        resp.statusCode(), "upstream answered a stream request with JSON instead of an event stream")));
            }
            Promise<Void> done = Promise.promise();
            BedrockStreamDecoder decoder = new BedrockStreamDecoder(sink, done, responseId(resp, call), request.model(), created);
            resp.exceptionHandler(t -> decoder.fail(TransportErrors.classify(t)));
            resp.handler(decoder::feed);
            resp.endHandler(v -> decoder.end());
            call.onFlowControl(resp::pause, resp::resume);
            // A failed stream leaves the body half read: close the connection rather than pool it.
            return done.future().onFailure(t -> req.reset());
        });
    }

    /** Vision and tools through Converse; no JSON mode, no audio or file parts. */
    @Override
    public Capabilities capabilities(String model) {
        return new Capabilities(true, true, false, false, 0);
    }

    /** Any model id is percent-encoded into the path, except one that would change the path itself. */
    @Override
    public String modelProblem(String model) {
        return RequestChecks.pathSegmentProblem(model);
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    /** Translates, signs and sends the one request of a call. */
    private <T> Future<T> exchange(ChatRequest request, String operation, String accept, Call call,
                                   HttpExchange.OnSuccess<T> onSuccess) {
        byte[] body;
        try {
            RequestChecks.pathSegment(request.model());
            body = write(BedrockTranslator.request(request));
        } catch (RuntimeException e) {
            return Future.failedFuture(TransportErrors.classify(e));
        }
        String path = endpoint.pathPrefix() + "/model/" + encodePathSegment(request.model()) + operation;
        Map<String, String> signed;
        try {
            Map<String, String> toSign = new LinkedHashMap<>();
            toSign.put("Content-Type", JSON);
            toSign.put("Accept", accept);
            signed = signer.sign(URI.create(endpoint.scheme() + "://" + endpoint.authority() + path), toSign, body,
                    clock.now());
        } catch (RuntimeException e) {
            // The SDK's messages name the failing step, never the secret; keep only the class to be sure.
            return Future.failedFuture(new ProviderException(ErrorKind.UNKNOWN, 0,
                    "could not sign the request: " + e.getClass().getSimpleName()));
        }
        return HttpExchange.send(client, HttpExchange.post(endpoint, path, call), call,
                req -> {
                    // Extra headers first: the signed ones must reach the wire exactly as signed.
                    extraHeaders.forEach(req::putHeader);
                    call.extraHeaders().forEach(req::putHeader);   // trace context: not signed, not needed
                    signed.forEach(req::putHeader);
                },
                Buffer.buffer(body), (status, headers, b) -> BedrockErrors.fromResponse(status, headers, b), onSuccess);
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
            return WireJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not serialise the request body", e);
        }
    }
}
