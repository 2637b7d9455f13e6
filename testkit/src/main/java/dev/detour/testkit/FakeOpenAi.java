package dev.detour.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A fake OpenAI-shaped upstream: a real HTTP server on a loopback port that answers
 * {@code POST /v1/chat/completions} (plain or streamed) with {@code "Hello from <name>"}, or with
 * an error status once told to, and records every request body. Answers on the event loop; the
 * test reads what it recorded from its own thread.
 */
public final class FakeOpenAi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private volatile Map<String, String> lastHeaders = Map.of();
    private volatile String lastPath;
    private volatile int failStatus;
    private volatile String text;

    private FakeOpenAi(Vertx vertx, String name) {
        this.name = name;
        this.text = "Hello from " + name;
        this.server = vertx.createHttpServer().requestHandler(this::handle);
    }

    /** Starts one on a free loopback port. */
    public static FakeOpenAi start(Vertx vertx, String name) {
        FakeOpenAi f = new FakeOpenAi(vertx, name);
        TestGateway.await(f.server.listen(0, "127.0.0.1"));
        return f;
    }

    /** The base URL a provider's {@code base_url} takes: {@code http://127.0.0.1:PORT/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1";
    }

    /** The name it answers with. */
    public String name() {
        return name;
    }

    /** From now on, answers every call with {@code status} and an OpenAI error body; 0 answers again. */
    public FakeOpenAi fail(int status) {
        this.failStatus = status;
        return this;
    }

    /** From now on, answers with this text. */
    public FakeOpenAi answer(String text) {
        this.text = text;
        return this;
    }

    /** How many calls it received. */
    public int calls() {
        return requests.size();
    }

    /** The request bodies it received, in order. */
    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    /** The headers of the last request it received (names in lower case), or an empty map. */
    public Map<String, String> lastHeaders() {
        return lastHeaders;
    }

    /** The path of the last request it received (it answers on any path), or null. */
    public String lastPath() {
        return lastPath;
    }

    private void handle(HttpServerRequest req) {
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        lastHeaders = Map.copyOf(headers);
        lastPath = req.path();
        req.body().onSuccess(b -> {
            JsonNode body;
            try {
                body = JSON.readTree(b.toString());
            } catch (java.io.IOException e) {
                req.response().setStatusCode(400).end();
                return;
            }
            requests.add(body);
            if (failStatus != 0) {
                req.response().setStatusCode(failStatus).putHeader("content-type", "application/json")
                        .end("{\"error\":{\"message\":\"" + name + " fails\",\"type\":\"server_error\",\"code\":null}}");
                return;
            }
            String model = body.path("model").asText("model");
            String escaped = JSON.valueToTree(text).toString();
            if (body.path("stream").asBoolean(false)) {
                req.response().putHeader("content-type", "text/event-stream");
                req.response().setChunked(true);
                req.response().write("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
                        + model + "\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":" + escaped
                        + "},\"finish_reason\":null}]}\n\n");
                req.response().write("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
                        + model + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
                req.response().end("data: [DONE]\n\n");
                return;
            }
            ObjectNode answer = JSON.createObjectNode();
            answer.put("id", "chatcmpl-" + requests.size()).put("object", "chat.completion").put("created", 1)
                    .put("model", model);
            ObjectNode choice = answer.putArray("choices").addObject();
            choice.put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", text);
            answer.putObject("usage").put("prompt_tokens", 5).put("completion_tokens", 4).put("total_tokens", 9);
            req.response().putHeader("content-type", "application/json").end(answer.toString());
        });
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing a test server: nothing left to do
        }
    }
}
