package dev.detour.wire.http;

import dev.detour.api.provider.Call;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The one-request HTTP exchange every HTTP adapter makes, with the contract core relies on:
 * <ul>
 *   <li>a call already cancelled fails at once with {@code TIMEOUT} and sends nothing;</li>
 *   <li>the connect timeout comes from the {@link Call} ({@link #post}); core enforces the others;</li>
 *   <li>{@code call.onCancel(e -> request.reset())} is registered once the request exists, so a
 *       call core abandons closes its HTTP/1.1 connection instead of keeping it busy;</li>
 *   <li>a non-2xx answer's first {@link #MAX_ERROR_BYTES} bytes are handed to the provider's
 *       {@link ErrorAnswer} (the rest is not read: the connection is reset);</li>
 *   <li>any other failure (connect, timeout, reset, a failed {@code onSuccess}) ends as a
 *       {@link ProviderException}: as it is when it already is one, else through
 *       {@link TransportErrors#classify(Throwable)}.</li>
 * </ul>
 * Exactly one HTTP request per {@link #send} call; no retries (core owns them). Stateless; call
 * it on the event loop of the call.
 */
public final class HttpExchange {

    /** Classifies a non-2xx answer of the provider. */
    @FunctionalInterface
    public interface ErrorAnswer {
        /**
         * @param status  the HTTP status (not 2xx)
         * @param headers the response headers
         * @param body    the response body, cut to its first {@link #MAX_ERROR_BYTES} bytes, or null
         *                when it could not be read
         */
        ProviderException classify(int status, MultiMap headers, Buffer body);
    }

    /** Turns a 2xx response into the operation's result (reading the body, or streaming it). */
    @FunctionalInterface
    public interface OnSuccess<T> {
        Future<T> apply(HttpClientRequest request, HttpClientResponse response);
    }

    /**
     * The largest upstream answer body read into memory (32 MiB): far above any real completion or
     * embeddings answer, small enough that a hostile or broken upstream sending an endless body
     * cannot exhaust the heap. A larger answer fails the attempt with {@link ErrorKind#SERVER_ERROR}
     * (so the engine fails over) naming the bound.
     */
    public static final int MAX_ANSWER_BYTES = 32 * 1024 * 1024;

    /**
     * How much of an error body is read (64 KiB): enough for every provider's error object, which
     * is all classification needs; the rest is never read.
     */
    public static final int MAX_ERROR_BYTES = 64 * 1024;

    private HttpExchange() {
    }

    /**
     * Reads a whole response body of at most {@code maxBytes} bytes. A body announced larger by its
     * Content-Length fails at once; a body that grows past the bound while it arrives fails as soon
     * as it does. Either way the upstream request is reset (its connection closed, never reused
     * with bytes in flight) and the future fails with a {@link ProviderException} of kind
     * {@link ErrorKind#SERVER_ERROR} saying "upstream answer larger than N bytes". Call it on the
     * response's event loop, before any handler is set on it.
     */
    public static Future<Buffer> body(HttpClientResponse response, int maxBytes) {
        return read(response, maxBytes, false);
    }

    /**
     * Reads at most the first {@code maxBytes} bytes of a body: the whole body when it is shorter,
     * else its prefix, after which the upstream request is reset instead of reading on. For error
     * bodies, whose first bytes are all classification needs.
     */
    public static Future<Buffer> prefix(HttpClientResponse response, int maxBytes) {
        return read(response, maxBytes, true);
    }

    private static Future<Buffer> read(HttpClientResponse response, int maxBytes, boolean keepPrefix) {
        String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
        long announced = -1;
        if (length != null) {
            try {
                announced = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                announced = -1;
            }
        }
        if (announced > maxBytes && !keepPrefix) {
            abandon(response);
            return Future.failedFuture(tooLarge(response, maxBytes));
        }
        Promise<Buffer> promise = Promise.promise();
        Buffer body = Buffer.buffer(announced >= 0 ? (int) Math.min(announced, maxBytes) : 1024);
        response.exceptionHandler(promise::tryFail);
        response.handler(chunk -> {
            if (promise.future().isComplete()) {
                return;
            }
            int room = maxBytes - body.length();
            if (chunk.length() <= room) {
                body.appendBuffer(chunk);
                return;
            }
            response.handler(null);
            // Settle first: abandoning the request reports a reset, which must not be the outcome.
            if (keepPrefix) {
                body.appendBuffer(chunk, 0, room);
                promise.tryComplete(body);
            } else {
                promise.tryFail(tooLarge(response, maxBytes));
            }
            abandon(response);
        });
        response.endHandler(v -> promise.tryComplete(body));
        return promise.future();
    }

    /** Stops reading: the connection is closed, never pooled with the rest of the body in flight. */
    private static void abandon(HttpClientResponse response) {
        HttpClientRequest request = response.request();
        request.reset();
        request.connection().close();
    }

    private static ProviderException tooLarge(HttpClientResponse response, int maxBytes) {
        return new ProviderException(ErrorKind.SERVER_ERROR, response.statusCode(),
                "upstream answer larger than " + maxBytes + " bytes");
    }

    /**
     * POST options for {@code uri} on {@code endpoint}, with the call's connect timeout (zero,
     * negative or null leaves Vert.x's default). No idle timeout: core enforces it and cancels the
     * call, and a Vert.x idle timeout would cost a timer per request for nothing.
     */
    public static RequestOptions post(HttpEndpoint endpoint, String uri, Call call) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.ssl())
                .setURI(uri);
        long connect = millis(call.connectTimeout());
        if (connect > 0) {
            options.setConnectTimeout(connect);
        }
        return options;
    }

    /**
     * Sends one request and maps its outcome as described above.
     *
     * @param client    the adapter's HTTP client
     * @param options   where and how, usually from {@link #post}
     * @param call      the call: cancellation state and cancel handler
     * @param headers   sets the request headers (runs once the request exists, before sending)
     * @param body      the request body
     * @param onError   the provider's classifier for non-2xx answers
     * @param onSuccess what to do with a 2xx response; a failed future is passed on (classified
     *                  by {@link TransportErrors} unless it already is a {@link ProviderException})
     */
    public static <T> Future<T> send(HttpClient client, RequestOptions options, Call call,
                                     Consumer<HttpClientRequest> headers, Buffer body,
                                     ErrorAnswer onError, OnSuccess<T> onSuccess) {
        if (call.cancelled()) {
            return Future.failedFuture(new ProviderException(ErrorKind.TIMEOUT, 0, "call cancelled before it started"));
        }
        return client.request(options)
                .compose(req -> {
                    headers.accept(req);
                    // Runs at once if core cancelled while the connection was being acquired.
                    call.onCancel(e -> req.reset());
                    return req.send(body).compose(resp -> {
                        int status = resp.statusCode();
                        if (status < 200 || status >= 300) {
                            return prefix(resp, MAX_ERROR_BYTES).transform(ar -> Future.failedFuture(
                                    onError.classify(status, resp.headers(), ar.succeeded() ? ar.result() : null)));
                        }
                        return onSuccess.apply(req, resp);
                    });
                })
                .recover(t -> Future.failedFuture(TransportErrors.classify(t)));
    }

    private static long millis(Duration d) {
        return d == null || d.isNegative() ? 0 : d.toMillis();
    }
}
