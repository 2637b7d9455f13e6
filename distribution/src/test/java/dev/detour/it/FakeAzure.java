package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fake Azure OpenAI resource: answers only {@code POST /openai/deployments/{deployment}/chat/completions}
 * with the expected {@code api-version} query and {@code api-key} header (else 404 / 400 / 401 as
 * Azure would), in the OpenAI wire format. Counts calls and records what each one carried.
 */
final class FakeAzure extends FakeJsonServer {
    /** What one call carried. */
    record Seen(String path, String apiVersion, String apiKey, String authorization, JsonNode body) {
    }

    private final String deployment;
    private final String apiVersion;
    private final String apiKey;
    private final AtomicReference<Integer> retryAfter429 = new AtomicReference<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    FakeAzure(Vertx vertx, String deployment, String apiVersion, String apiKey) {
        super(vertx);
        this.deployment = deployment;
        this.apiVersion = apiVersion;
        this.apiKey = apiKey;
    }

    /** From now on answer 429 with {@code retry-after: seconds} (null: answer normally). */
    void rateLimit(Integer seconds) {
        retryAfter429.set(seconds);
    }

    Future<FakeAzure> start() {
        return listen().map(v -> this);
    }

    @Override
    void onRequest(HttpServerRequest req, JsonNode body) {
        seen.add(new Seen(req.path(), req.getParam("api-version"), req.getHeader("api-key"),
                req.getHeader("authorization"), body));
        handle(req, body);
    }

    private void handle(HttpServerRequest req, JsonNode body) {
        if (!req.path().equals("/openai/deployments/" + deployment + "/chat/completions")) {
            error(req, 404, "DeploymentNotFound", "The API deployment for this resource does not exist.");
        } else if (!apiVersion.equals(req.getParam("api-version"))) {
            error(req, 404, "404", "Resource not found");
        } else if (!apiKey.equals(req.getHeader("api-key"))) {
            error(req, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint.");
        } else if (retryAfter429.get() != null) {
            req.response().putHeader("retry-after", Integer.toString(retryAfter429.get()));
            error(req, 429, "429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
                    + apiVersion + " have exceeded token rate limit of your current OpenAI S0 pricing tier. "
                    + "Please retry after " + retryAfter429.get() + " seconds.");
        } else {
            answer(req, body, "Hello from azure");
        }
    }

    /** An OpenAI-format answer, streamed word by word when the request asks for a stream. */
    private static void answer(HttpServerRequest req, JsonNode body, String text) {
        String model = body == null ? "gpt-4o" : body.path("model").asText("gpt-4o");
        if (body == null || !body.path("stream").asBoolean(false)) {
            ChatResponse r = new ChatResponse("chatcmpl-azure", model, 1, List.of(new Choice(0,
                    Message.assistant(text, List.of()), FinishReason.STOP)), Usage.of(5, 3), null);
            req.response().putHeader("content-type", "application/json").end(OpenAiJson.writeResponse(r).toString());
            return;
        }
        HttpServerResponse r = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
        r.write(sse(new ChatChunk("chatcmpl-azure", model, 1, 0, "assistant", "", null, List.of(), null, null, null)));
        for (String word : text.split("(?<= )")) {
            r.write(sse(ChatChunk.text("chatcmpl-azure", model, 1, word)));
        }
        r.write(sse(new ChatChunk("chatcmpl-azure", model, 1, 0, null, null, null, List.of(), FinishReason.STOP, null, null)));
        r.write(sse(new ChatChunk("chatcmpl-azure", model, 1, 0, null, null, null, List.of(), null, Usage.of(5, 3), null)));
        r.end("data: [DONE]\n\n");
    }

    private static String sse(ChatChunk c) {
        return "data: " + OpenAiJson.writeChunk(c) + "\n\n";
    }

    private static void error(HttpServerRequest req, int status, String code, String message) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}");
    }
}
