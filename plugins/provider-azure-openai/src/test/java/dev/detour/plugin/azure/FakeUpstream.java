package dev.detour.plugin.azure;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/** A fake Azure OpenAI resource endpoint: a real Vert.x HTTP server on a free loopback port. */
final class FakeUpstream {

    /** One request as the upstream received it. */
    record Received(String method, String uri, MultiMap headers, Buffer body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private volatile BiConsumer<HttpServerRequest, Buffer> handler =
            (req, body) -> req.response().setStatusCode(500).end();

    private FakeUpstream(HttpServer server) {
        this.server = server;
    }

    static Future<FakeUpstream> start(Vertx vertx) {
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
    FakeUpstream onRequest(BiConsumer<HttpServerRequest, Buffer> h) {
        this.handler = h;
        return this;
    }

    /** Answers every request with this status, content type and body. */
    FakeUpstream respond(int status, String contentType, String body) {
        return onRequest((req, b) -> req.response().setStatusCode(status).putHeader("content-type", contentType).end(body));
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() ;
    }

    int port() {
        return server.actualPort();
    }

    Future<Void> close() {
        return server.close();
    }

    /** A fixture from src/test/resources/openai/. */
    static String fixture(String name) {
        try (InputStream in = FakeUpstream.class.getResourceAsStream("/azure/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
