package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.SseDecoder;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Follows {@code GET /admin/events} as a server-sent event stream, so a test waits for the event
 * it expects (a reload, a drill's end) instead of sleeping.
 */
final class EventWatch implements AutoCloseable {
    private final HttpClient client;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();

    EventWatch(Vertx vertx, int port) {
        client = vertx.createHttpClient();
        SseDecoder decoder = new SseDecoder((type, data) -> {
            try {
                events.add(WireJson.MAPPER.readTree(data));
            } catch (Exception e) {
                throw new IllegalStateException("an event that is not JSON: " + data, e);
            }
        });
        // Not awaited: the gateway sends the response head with the first event, and the ones
        // that happen before the subscription arrive first, from the recent ones.
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
                        .setURI("/admin/events").putHeader("accept", "text/event-stream"))
                .compose(req -> req.send())
                .onSuccess(resp -> resp.handler(decoder::feed));
    }

    /** The next event (from the recent ones first) that matches, waiting up to 20 s for it. */
    JsonNode await(Predicate<JsonNode> wanted) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (true) {
                long left = end - System.nanoTime();
                JsonNode e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
                if (e == null) {
                    throw new AssertionError("no matching event within 20 s");
                }
                if (wanted.test(e)) {
                    return e;
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** The next event of {@code type}. */
    JsonNode await(String type) {
        return await(e -> type.equals(e.path("type").asText()));
    }

    @Override
    public void close() {
        client.close();
    }
}
