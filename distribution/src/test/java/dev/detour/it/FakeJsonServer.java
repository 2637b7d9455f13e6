package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake provider on a free loopback port whose requests carry JSON: it reads each body whole,
 * counts the call and hands the request with its parsed body (null when it is not JSON) to
 * {@link #onRequest}.
 */
abstract class FakeJsonServer implements AutoCloseable {
    private final Vertx vertx;
    private final AtomicInteger calls = new AtomicInteger();
    private HttpServer server;

    FakeJsonServer(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Answers one request; {@code body} is null when it was not JSON (tests assert on that). */
    abstract void onRequest(HttpServerRequest req, JsonNode body);

    int calls() {
        return calls.get();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    Future<Void> listen() {
        server = vertx.createHttpServer();
        return server.requestHandler(req -> req.body().onSuccess(buf -> {
            calls.incrementAndGet();
            JsonNode body = null;
            try {
                body = WireJson.MAPPER.readTree(buf.getBytes());
            } catch (Exception ignored) {
                // not JSON: the subclass sees null
            }
            onRequest(req, body);
        })).listen(0, "127.0.0.1").mapEmpty();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
