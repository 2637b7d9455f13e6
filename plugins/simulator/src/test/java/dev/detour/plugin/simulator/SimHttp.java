package dev.detour.plugin.simulator;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.SseDecoder;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** A small real-HTTP client for the simulator tests. */
final class SimHttp {

    /** A whole answer. */
    record Reply(int status, MultiMap headers, String body) {
        JsonNode json() {
            try {
                return WireJson.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** One server-sent event. */
    record Event(String type, String data) {
        JsonNode json() {
            try {
                return WireJson.MAPPER.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A streamed answer: its events, its raw text, and whether it ended properly. */
    record Streamed(int status, MultiMap headers, List<Event> events, String raw, boolean ended) {
    }

    private final HttpClient client;
    private final int port;

    SimHttp(Vertx vertx, int port) {
        this.client = vertx.createHttpClient();
        this.port = port;
    }

    HttpClient client() {
        return client;
    }

    Future<Reply> send(HttpMethod method, String path, String body) {
        return client.request(new RequestOptions().setMethod(method).setPort(port).setHost("127.0.0.1").setURI(path))
                .compose(req -> {
                    req.putHeader("content-type", "application/json");
                    return body == null ? req.send() : req.send(body);
                })
                .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())));
    }

    Future<Reply> post(String path, String body) {
        return send(HttpMethod.POST, path, body);
    }

    /** Posts with extra headers (e.g. Vertex's {@code Authorization: Bearer}) and a content type of their choosing. */
    Future<Reply> post(String path, String body, java.util.Map<String, String> headers) {
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1").setURI(path))
                .compose(req -> {
                    req.putHeader("content-type", "application/json");
                    headers.forEach(req::putHeader);
                    return req.send(body);
                })
                .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())));
    }

    /** {@link #stream(String, String)} with extra headers. */
    Future<Streamed> stream(String path, String body, java.util.Map<String, String> headers) {
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1")
                        .setURI(path))
                .compose(req -> {
                    req.putHeader("content-type", "application/json");
                    headers.forEach(req::putHeader);
                    return req.send(body);
                })
                .compose(this::collect);
    }

    Future<Reply> get(String path) {
        return send(HttpMethod.GET, path, null);
    }

    /** Posts and collects the stream event by event; a stream closed before its end completes with ended = false. */
    Future<Streamed> stream(String path, String body) {
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1")
                        .setURI(path))
                .compose(req -> req.putHeader("content-type", "application/json").send(body))
                .compose(this::collect);
    }

    private Future<Streamed> collect(HttpClientResponse resp) {
        Promise<Streamed> done = Promise.promise();
        List<Event> events = new ArrayList<>();
        StringBuilder raw = new StringBuilder();
        SseDecoder decoder = new SseDecoder((type, data) -> events.add(new Event(type, data)));
        resp.handler(buf -> {
            raw.append(buf.toString());
            decoder.feed(buf);
        });
        resp.endHandler(v -> done.tryComplete(new Streamed(resp.statusCode(), resp.headers(), events, raw.toString(), true)));
        resp.exceptionHandler(e -> done.tryComplete(new Streamed(resp.statusCode(), resp.headers(), events,
                raw.toString(), false)));
        return done.future();
    }

    static String json(Object... kv) {
        com.fasterxml.jackson.databind.node.ObjectNode o = WireJson.MAPPER.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            o.set((String) kv[i], WireJson.MAPPER.valueToTree(kv[i + 1]));
        }
        return o.toString();
    }

    static Buffer buffer(String s) {
        return Buffer.buffer(s);
    }
}
