package dev.detour.wire.openai;

import dev.detour.api.provider.Call;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.provider.RateLimits;
import dev.detour.api.provider.WireBody;
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.http.HttpExchange;
import dev.detour.wire.http.RequestChecks;
import dev.detour.wire.http.TransportErrors;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.wire.openai.OpenAiJson;
import dev.detour.wire.openai.OpenAiStreamDecoder;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client side of OpenAI's Chat Completions and Embeddings wire format over one Vert.x HTTP/1.1
 * client: request bodies from the canonical model ({@link OpenAiJson}), the one HTTP exchange
 * ({@link HttpExchange}), answers and event streams ({@link OpenAiStreamDecoder}) back to the
 * canonical model. An adapter for an OpenAI-compatible upstream is this client plus what differs
 * per provider: the request URIs, the headers, the error rules and any answer checks.
 *
 * <pre>{@code
 * OpenAiCompatibleClient client = OpenAiCompatibleClient.builder(ctx, HttpEndpoint.parse(ctx.baseUrlOr(DEFAULT)))
 *         .clientName("detour-openai-" + ctx.name())
 *         .maxConnections(64)
 *         .headers(headers)                                  // auth and extra headers, computed once
 *         .errors(MyErrors::fromResponse, MyErrors::fromErrorObject)
 *         .build();
 * client.chat(client.endpoint().uri("/chat/completions"), request, call);
 * }</pre>
 *
 * <p>Behaviour shared by every operation: a chat request holding an image URL no provider can
 * fetch fails before any I/O ({@link RequestChecks#imageUrls}); otherwise exactly one HTTP
 * request; a non-2xx answer goes to the
 * HTTP error rule; a 2xx JSON body that holds an error object instead of an answer (some
 * compatible servers) goes to the in-band error rule, as does an error event in a stream; a body
 * that is not JSON, or not a valid answer, fails as {@code SERVER_ERROR} (status 200); every
 * failure's message has the API key, when it appears, replaced by {@code [redacted]}.
 * A chat request is the client's own body ({@link Call#inbound()}) with the target's model spliced
 * in when the call has it, else written from the canonical request; an answer's body goes back to
 * core beside it ({@link Call#answerWire}), a stream event's with its chunk.
 * A stream request always asks for {@code stream_options.include_usage} so core gets token counts;
 * a non-stream request never carries stream flags. Streams: an answer with a JSON content type
 * instead of {@code text/event-stream} fails as {@code SERVER_ERROR}; a failed stream resets its
 * request (the body is half read, the connection must not return to the pool).
 * Thread-safe: the client, headers and settings are shared read-only across event loops.
 */
public final class OpenAiCompatibleClient {

    private static final String JSON = "application/json";
    private static final String EVENT_STREAM = "text/event-stream";

    private final HttpEndpoint endpoint;
    private final HttpClient client;
    private final MultiMap headers;
    private final String apiKey;
    private final Supplier<Instant> now;
    private final HttpErrorRule httpErrors;
    private final Function<JsonNode, ProviderException> inBandErrors;
    private final OpenAiStreamDecoder.ChunkCheck chunkCheck;

    /** Classifies a non-2xx answer; {@code now} turns an HTTP-date Retry-After into a wait. */
    @FunctionalInterface
    public interface HttpErrorRule {
        ProviderException classify(int status, MultiMap headers, Buffer body, Instant now);
    }

    private OpenAiCompatibleClient(Builder b) {
        this.endpoint = b.endpoint;
        this.headers = b.headers;
        this.apiKey = b.ctx.apiKey() == null || b.ctx.apiKey().isEmpty() ? null : b.ctx.apiKey();
        Clock clock = b.ctx.clock() == null ? Clock.SYSTEM : b.ctx.clock();
        this.now = clock::now;
        this.httpErrors = Objects.requireNonNull(b.httpErrors, "errors");
        this.inBandErrors = Objects.requireNonNull(b.inBandErrors, "errors");
        this.chunkCheck = b.chunkCheck;
        this.client = b.ctx.vertx().createHttpClient(b.ctx.clientOptions(endpoint.clientOptions(b.clientName)),
                new PoolOptions().setHttp1MaxSize(b.maxConnections));
    }

    /**
     * Starts a client for {@code endpoint}, created from the provider's context (Vert.x, key to
     * redact, clock).
     */
    public static Builder builder(ProviderContext ctx, HttpEndpoint endpoint) {
        return new Builder(ctx, endpoint);
    }

    /** The endpoint requests go to. */
    public HttpEndpoint endpoint() {
        return endpoint;
    }

    /**
     * A non-streamed Chat Completion. The answer's bytes go to {@link Call#answerWire}: an adapter
     * that changes the answer before returning it withdraws them ({@code call.answerWire(null)}).
     *
     * @param uri the request URI, e.g. {@code endpoint().uri("/chat/completions")}
     */
    public Future<ChatResponse> chat(String uri, ChatRequest request, Call call) {
        Buffer body;
        try {
            RequestChecks.imageUrls(request);
            body = chatBody(request, call.inbound(), false);
        } catch (RuntimeException e) {
            return Future.failedFuture(TransportErrors.classify(e));
        }
        return exchange(uri, body, JSON, call, (req, resp) -> HttpExchange.body(resp, HttpExchange.MAX_ANSWER_BYTES).map(b -> {
            byte[] bytes = b.getBytes();
            ChatResponse answer = OpenAiJson.parsePlainResponse(bytes);
            if (answer == null) {
                JsonNode json = readJson(bytes, "response");
                try {
                    answer = OpenAiJson.parseResponse(json);
                } catch (IllegalArgumentException e) {
                    throw malformed("response", e);
                }
            }
            // The body goes back beside the answer: core forwards it to OpenAI clients as it is.
            call.answerWire(new WireBody(WireBody.OPENAI, bytes));
            return answer;
        }));
    }

    /**
     * A streamed Chat Completion: chunks go to {@code sink} as they arrive; the future completes
     * at {@code [DONE]} or fails as {@link OpenAiStreamDecoder} describes.
     */
    public Future<Void> stream(String uri, ChatRequest request, Call call, ChunkSink sink) {
        Buffer body;
        try {
            RequestChecks.imageUrls(request);
            body = chatBody(request, call.inbound(), true);
        } catch (RuntimeException e) {
            return Future.failedFuture(TransportErrors.classify(e));
        }
        return exchange(uri, body, EVENT_STREAM, call, (req, resp) -> {
            String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type != null && type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
                // A server that ignored stream:true (or reports an error with 200): no chunks will come.
                return HttpExchange.body(resp, HttpExchange.MAX_ANSWER_BYTES).compose(b -> {
                    readJson(b.getBytes(), "response");
                    return Future.failedFuture(new ProviderException(ErrorKind.SERVER_ERROR, resp.statusCode(),
                            "upstream answered a stream request with JSON instead of text/event-stream"));
                });
            }
            Promise<Void> done = Promise.promise();
            OpenAiStreamDecoder decoder = new OpenAiStreamDecoder(sink, done, inBandErrors, chunkCheck);
            resp.exceptionHandler(t -> decoder.fail(TransportErrors.classify(t)));
            resp.handler(decoder::feed);
            resp.endHandler(v -> decoder.end());
            call.onFlowControl(resp::pause, resp::resume);
            // An error event or a failing sink leaves the body half read: close the connection
            // rather than return it to the pool with bytes still in flight.
            return done.future().onFailure(t -> req.reset());
        });
    }

    /**
     * Embeddings, asked for in the client's encoding. The answer's bytes go to
     * {@link Call#answerWire} when its vectors are in that encoding, so core forwards them as
     * they are (the same float text, base64 untouched); otherwise core re-encodes the vectors.
     *
     * @param uri the request URI, e.g. {@code endpoint().uri("/embeddings")}
     */
    public Future<EmbeddingResponse> embed(String uri, EmbeddingRequest request, Call call) {
        Buffer body;
        try {
            body = write(OpenAiJson.writeEmbeddingRequest(request));
        } catch (RuntimeException e) {
            return Future.failedFuture(TransportErrors.classify(e));
        }
        return exchange(uri, body, JSON, call, (req, resp) -> HttpExchange.body(resp, HttpExchange.MAX_ANSWER_BYTES).map(b -> {
            byte[] bytes = b.getBytes();
            JsonNode json = readJson(bytes, "embeddings response");
            EmbeddingResponse answer;
            try {
                answer = OpenAiJson.parseEmbeddingResponse(json);
            } catch (IllegalArgumentException e) {
                throw malformed("embeddings response", e);
            }
            if (OpenAiJson.embeddingsEncodedAs(json, request.encodingFormat())) {
                call.answerWire(new WireBody(WireBody.OPENAI, bytes));
            }
            return answer;
        }));
    }

    /** Closes the HTTP client. */
    public Future<Void> close() {
        return client.close();
    }

    /**
     * The Chat Completions body. Unknown client fields travel unchanged; a stream always asks for
     * usage, a non-stream call never carries stream flags. With the client's own OpenAI body
     * ({@code inbound}, see {@link Call#inbound()}), that body with the request's model and stream
     * flags. Never mutates {@code request} or {@code inbound}.
     */
    static Buffer chatBody(ChatRequest request, WireBody inbound, boolean stream) {
        ChatRequest r = request;
        if (stream && !(request.stream() && request.includeUsage())) {
            r = request.toBuilder().stream(true).includeUsage(true).build();
        } else if (!stream && (request.stream() || request.includeUsage())) {
            r = request.toBuilder().stream(false).includeUsage(false).build();
        }
        byte[] client = inbound != null && inbound.is(WireBody.OPENAI) ? inbound.bytes() : null;
        // The client's own bytes with the target's model, when nothing else changed: no JSON written.
        byte[] spliced = OpenAiJson.spliceRequest(r, client);
        return spliced != null ? Buffer.buffer(spliced) : write(OpenAiJson.writeRequest(r, client));
    }

    private <T> Future<T> exchange(String uri, Buffer body, String accept, Call call, HttpExchange.OnSuccess<T> onSuccess) {
        return HttpExchange.send(client, HttpExchange.post(endpoint, uri, call), call,
                        req -> {
                            req.headers().addAll(headers);
                            req.putHeader(HttpHeaders.ACCEPT, accept);
                            call.extraHeaders().forEach(req::putHeader);
                        },
                        body, (status, h, b) -> {
                            quota(call, h);
                            return httpErrors.classify(status, h, b, now.get());
                        }, (req, resp) -> {
                            quota(call, resp.headers());
                            return onSuccess.apply(req, resp);
                        })
                .recover(t -> Future.failedFuture(redact(TransportErrors.classify(t))));
    }

    /** Hands core the quota the answer's rate-limit headers state, whatever its status (a 429's matter most). */
    private static void quota(Call call, MultiMap headers) {
        RateLimits limits = OpenAiRateLimits.of(headers);
        if (limits.any()) {
            call.rateLimits(limits);
        }
    }

    /** Reads a 2xx JSON body; garbage is the upstream's fault, an error object is classified. */
    private JsonNode readJson(byte[] body, String what) {
        JsonNode node;
        try {
            node = WireJson.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a " + what + " that is not JSON");
        }
        if (node != null && node.hasNonNull("error") && !node.has("choices") && !node.has("data")) {
            throw inBandErrors.apply(node);
        }
        if (node == null || !node.isObject()) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a " + what + " that is not a JSON object");
        }
        return node;
    }

    private static ProviderException malformed(String what, IllegalArgumentException e) {
        return new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a malformed " + what + ": " + e.getMessage());
    }

    /**
     * Core redacts keys from every message again; doing it here too is cheap (failure path only)
     * and keeps an upstream that echoes the key from leaking it through a plugin-level log.
     */
    private ProviderException redact(ProviderException e) {
        String m = e.getMessage();
        return apiKey != null && m != null && m.contains(apiKey) ? e.withMessage(m.replace(apiKey, "[redacted]")) : e;
    }

    private static Buffer write(JsonNode body) {
        // Jackson writes straight into the Buffer: no intermediate byte[] to copy again.
        Buffer buf = Buffer.buffer(1024);
        try (OutputStream out = new BufferOutputStream(buf)) {
            WireJson.MAPPER.writeValue(out, body);
        } catch (IOException e) {
            // A tree of JSON nodes always serialises; an IOException here is a bug, not an upstream failure.
            throw new IllegalStateException("could not serialise the request body", e);
        }
        return buf;
    }

    /** An OutputStream appending to a Vert.x Buffer. */
    private static final class BufferOutputStream extends OutputStream {
        private final Buffer buf;

        BufferOutputStream(Buffer buf) {
            this.buf = buf;
        }

        @Override
        public void write(int b) {
            buf.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buf.appendBytes(b, off, len);
        }
    }

    /** Settings of an {@link OpenAiCompatibleClient}; {@link #errors} is required. */
    public static final class Builder {
        private final ProviderContext ctx;
        private final HttpEndpoint endpoint;
        private String clientName;
        private int maxConnections = 64;
        private MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        private HttpErrorRule httpErrors;
        private Function<JsonNode, ProviderException> inBandErrors;
        private OpenAiStreamDecoder.ChunkCheck chunkCheck;

        private Builder(ProviderContext ctx, HttpEndpoint endpoint) {
            this.ctx = Objects.requireNonNull(ctx, "ctx");
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            this.clientName = "detour-" + ctx.name();
        }

        /** The HTTP client's name in Vert.x metrics (default {@code detour-<provider>}). */
        public Builder clientName(String name) {
            this.clientName = name;
            return this;
        }

        /** The connection pool size (default 64); one in-flight call holds one connection. */
        public Builder maxConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1 (was " + n + ")");
            }
            this.maxConnections = n;
            return this;
        }

        /** Headers sent on every request (content type, auth, the provider's extra headers); copied. */
        public Builder headers(MultiMap headers) {
            this.headers = MultiMap.caseInsensitiveMultiMap().addAll(headers);
            return this;
        }

        /**
         * The provider's error rules.
         *
         * @param http   classifies a non-2xx answer
         * @param inBand classifies an error object in a 2xx body or an error event in a stream
         *               (given the whole JSON, e.g. {@code {"error": {...}}})
         */
        public Builder errors(HttpErrorRule http, Function<JsonNode, ProviderException> inBand) {
            this.httpErrors = http;
            this.inBandErrors = inBand;
            return this;
        }

        /** A check of every streamed chunk (see {@link OpenAiStreamDecoder.ChunkCheck}); none by default. */
        public Builder chunkCheck(OpenAiStreamDecoder.ChunkCheck check) {
            this.chunkCheck = check;
            return this;
        }

        /** Creates the client and its HTTP client. */
        public OpenAiCompatibleClient build() {
            return new OpenAiCompatibleClient(this);
        }
    }
}
