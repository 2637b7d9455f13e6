package dev.detour.api.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * A fake provider endpoint for adapter tests: a real Vert.x HTTP server on a free loopback port
 * that records every request (after its whole body arrived) and answers as the test says (500
 * until told otherwise). Test-support code (plugin-api's test-jar); never part of a plugin jar.
 *
 * <pre>{@code
 * FakeUpstream.start(vertx).onComplete(ctx.succeeding(up -> {
 *     up.respond(200, "application/json", FakeUpstream.fixture("/openai/chat-completion.json"));
 *     ... up.baseUrl("/v1") ... up.received.size() ...
 * }));
 * }</pre>
 */
public final class FakeUpstream {

    /** One request as the upstream received it. */
    public record Received(String method, String uri, MultiMap headers, Buffer body) {
        /** A request header (case-insensitive), or null. */
        public String header(String name) {
            return headers.get(name);
        }
    }

    /** Every request received, in order. */
    public final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private volatile BiConsumer<HttpServerRequest, Buffer> handler =
            (req, body) -> req.response().setStatusCode(500).end();

    private FakeUpstream(HttpServer server) {
        this.server = server;
    }

    /** Starts a fake upstream on 127.0.0.1 and a free port. */
    public static Future<FakeUpstream> start(Vertx vertx) {
        HttpServer server = vertx.createHttpServer();
        FakeUpstream up = new FakeUpstream(server);
        server.requestHandler(req -> req.body().onSuccess(body -> {
            MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
            up.received.add(new Received(req.method().name(), req.uri(), copy, body));
            up.handler.accept(req, body);
        }));
        return server.listen(0, "127.0.0.1").map(s -> up);
    }

    /** What the upstream does with each request (after its body arrived). */
    public FakeUpstream onRequest(BiConsumer<HttpServerRequest, Buffer> h) {
        this.handler = h;
        return this;
    }

    /** Answers every request with this status, content type and body. */
    public FakeUpstream respond(int status, String contentType, String body) {
        return onRequest((req, b) -> req.response().setStatusCode(status).putHeader("content-type", contentType).end(body));
    }

    /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** {@link #baseUrl()} followed by {@code path} (e.g. {@code /v1}). */
    public String baseUrl(String path) {
        return baseUrl() + path;
    }

    /** The port the server listens on. */
    public int port() {
        return server.actualPort();
    }

    /** Stops the server. */
    public Future<Void> close() {
        return server.close();
    }

    /**
     * Writes {@code body} to a chunked response in pieces of {@code pieceSize} bytes (split
     * anywhere, even inside a UTF-8 sequence), so decoders meet every kind of split. Does not end
     * the response.
     */
    public static void writeInPieces(HttpServerResponse resp, byte[] body, int pieceSize) {
        resp.setChunked(true);
        for (int i = 0; i < body.length; i += pieceSize) {
            resp.write(Buffer.buffer(Arrays.copyOfRange(body, i, Math.min(body.length, i + pieceSize))));
        }
    }

    /** {@link #writeInPieces(HttpServerResponse, byte[], int)} of the UTF-8 bytes of {@code body}. */
    public static void writeInPieces(HttpServerResponse resp, String body, int pieceSize) {
        writeInPieces(resp, body.getBytes(StandardCharsets.UTF_8), pieceSize);
    }

    /**
     * A UTF-8 class-path resource, e.g. a wire fixture {@code /openai/stream-text.sse} from the
     * calling module's {@code src/test/resources}.
     *
     * @throws IllegalArgumentException when there is no such resource
     */
    public static String fixture(String resource) {
        try (InputStream in = FakeUpstream.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
