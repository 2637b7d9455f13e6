package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import static dev.detour.it.Harness.await;

/**
 * Controls the in-process simulator over its HTTP chaos API ({@code /_chaos/{name}}): the plugin's
 * classes are not on the test class path, so tests speak to it like any other client.
 */
final class Sim {
    private final Vertx vertx;
    final int port;

    Sim(Vertx vertx, int port) {
        this.vertx = vertx;
        this.port = port;
    }

    /** A port that was free a moment ago, for the {@code simulator: { port: N }} block. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:port/name}: the base URL of an Anthropic or Gemini endpoint. */
    String base(String name) {
        return "http://127.0.0.1:" + port + "/" + name;
    }

    /** {@code http://127.0.0.1:port/name/v1}: the base URL of an OpenAI endpoint. */
    String openAi(String name) {
        return base(name) + "/v1";
    }

    /** Sets the faults of {@code name} (the JSON body of {@code PUT /_chaos/{name}}). */
    void chaos(String name, String faultsJson) {
        int status = call(HttpMethod.PUT, "/_chaos/" + name, faultsJson).status();
        if (status != 200) {
            throw new AssertionError("PUT /_chaos/" + name + " answered " + status);
        }
    }

    /** Clears the faults and the statistics of {@code name}. */
    void reset(String name) {
        call(HttpMethod.DELETE, "/_chaos/" + name, null);
        call(HttpMethod.DELETE, "/_chaos/" + name + "/stats", null);
    }

    /** {@code {"calls": N, "by_status": {...}}} of {@code name}. */
    JsonNode stats(String name) {
        Harness.Reply r = call(HttpMethod.GET, "/_chaos/" + name + "/stats", null);
        if (r.status() != 200) {
            throw new AssertionError("GET stats of " + name + " answered " + r.status() + ": " + r.body());
        }
        return r.json();
    }

    /** How many calls {@code name} received since its last reset. */
    int calls(String name) {
        return stats(name).path("calls").asInt();
    }

    /** How many answers of {@code status} {@code name} gave since its last reset. */
    int answered(String name, int status) {
        return stats(name).path("by_status").path(Integer.toString(status)).asInt(0);
    }

    private Harness.Reply call(HttpMethod method, String path, String body) {
        HttpClient client = vertx.createHttpClient();
        try {
            RequestOptions ro = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
            if (body != null) {
                ro.putHeader("content-type", "application/json");
            }
            return await(client.request(ro).compose(req -> (body == null ? req.send() : req.send(body))
                    .compose(resp -> resp.body().map(b -> new Harness.Reply(resp.statusCode(), resp.headers(),
                            b.toString())))));
        } finally {
            client.close();
        }
    }

    static JsonNode json(String s) {
        try {
            return WireJson.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }
}
