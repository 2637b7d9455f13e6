package dev.detour.it;

import dev.detour.wire.http.WireJson;
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

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake OpenAI-compatible upstream: a real Vert.x server on a loopback port that answers each
 * call with the next scripted behaviour (the last one repeats), and counts calls. It speaks the
 * wire format through the same codec the gateway uses.
 */
final class FakeUpstream implements AutoCloseable {
    private final Vertx vertx;
    private final String name;
    private final Deque<Behaviour> script = new ArrayDeque<>();
    private Behaviour fallback = Behaviour.ok();
    private final AtomicInteger calls = new AtomicInteger();
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** The {@code traceparent} of each call ("null" when it had none). */
    final List<String> traceparents = new CopyOnWriteArrayList<>();
    /** The {@code tracestate} of each call that had one. */
    final List<String> tracestates = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private String scheme = "http";

    FakeUpstream(Vertx vertx, String name) {
        this.vertx = vertx;
        this.name = name;
    }

    /** What the upstream does with one call. */
    @FunctionalInterface
    interface Behaviour {
        void answer(FakeUpstream up, HttpServerRequest req, JsonNode body);

        static Behaviour ok() {
            return (up, req, body) -> up.answer(req, body, "Hello from " + up.name);
        }

        static Behaviour text(String text) {
            return (up, req, body) -> up.answer(req, body, text);
        }

        static Behaviour status(int status, String type, String code, String message) {
            return (up, req, body) -> req.response().setStatusCode(status).putHeader("content-type", "application/json")
                    .end("{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"code\":"
                            + (code == null ? "null" : "\"" + code + "\"") + ",\"param\":null}}");
        }

        static Behaviour statusWithRetryAfter(int status, int seconds) {
            return (up, req, body) -> req.response().setStatusCode(status).putHeader("content-type", "application/json")
                    .putHeader("retry-after", Integer.toString(seconds))
                    .end("{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\",\"code\":null}}");
        }

        /** Closes the connection without any answer. */
        static Behaviour close() {
            return (up, req, body) -> req.connection().close();
        }

        /** Never answers. */
        static Behaviour hang() {
            return (up, req, body) -> {
            };
        }

        /** Delays, then answers normally. */
        static Behaviour delayed(long ms) {
            return (up, req, body) -> up.vertx.setTimer(ms, t -> ok().answer(up, req, body));
        }

        /** Streams a role chunk only, then closes the connection. */
        static Behaviour roleThenClose() {
            return (up, req, body) -> {
                HttpServerResponse r = up.sseStart(req);
                r.write(up.sse(new ChatChunk("c1", "m", 1, 0, "assistant", "", null, List.of(), null, null, null)));
                r.reset();
            };
        }

        /** Streams an in-band error event before any content. */
        static Behaviour inBandError() {
            return (up, req, body) -> {
                HttpServerResponse r = up.sseStart(req);
                r.write("data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"code\":null}}\n\n");
                r.end();
            };
        }

        /** Streams ten words, one every {@code delayMs}. */
        static Behaviour slowStream(long delayMs) {
            return (up, req, body) -> {
                HttpServerResponse r = up.sseStart(req);
                r.write(up.sse(new ChatChunk("c1", "m", 1, 0, "assistant", "", null, List.of(), null, null, null)));
                up.vertx.setPeriodic(1, delayMs, new io.vertx.core.Handler<Long>() {
                    int sent;

                    @Override
                    public void handle(Long id) {
                        if (r.closed() || sent == 10) {
                            up.vertx.cancelTimer(id);
                            if (!r.closed()) {
                                r.end("data: [DONE]\n\n");
                            }
                            return;
                        }
                        sent++;
                        r.write(up.sse(ChatChunk.text("c1", "m", 1, "word" + sent + " ")));
                    }
                });
            };
        }

        /** Streams some content, then goes silent without ending. */
        static Behaviour contentThenStall() {
            return (up, req, body) -> {
                HttpServerResponse r = up.sseStart(req);
                r.write(up.sse(ChatChunk.text("c1", "m", 1, "Partial ")));
                up.vertx.setTimer(50, t -> r.write(up.sse(ChatChunk.text("c1", "m", 1, "answer"))));
            };
        }

        /** Streams some content, then cuts the connection. */
        static Behaviour contentThenCut() {
            return (up, req, body) -> {
                HttpServerResponse r = up.sseStart(req);
                r.write(up.sse(new ChatChunk("c1", "m", 1, 0, "assistant", "", null, List.of(), null, null, null)));
                r.write(up.sse(ChatChunk.text("c1", "m", 1, "Partial answer")));
                up.vertx.setTimer(20, t -> r.reset());
            };
        }
    }

    FakeUpstream then(Behaviour b) {
        script.add(b);
        return this;
    }

    FakeUpstream always(Behaviour b) {
        script.clear();
        fallback = b;
        return this;
    }

    int calls() {
        return calls.get();
    }

    int port() {
        return server.actualPort();
    }

    String baseUrl() {
        return scheme + "://127.0.0.1:" + port() + "/v1";
    }

    Future<FakeUpstream> start() {
        return start(new io.vertx.core.http.HttpServerOptions());
    }

    /** Starts with these server options (TLS ones make it an https upstream). */
    Future<FakeUpstream> start(io.vertx.core.http.HttpServerOptions options) {
        scheme = options.isSsl() ? "https" : "http";
        server = vertx.createHttpServer(options);
        return server.requestHandler(req -> req.body().onSuccess(buf -> {
            calls.incrementAndGet();
            authorizations.add(String.valueOf(req.getHeader("authorization")));
            traceparents.add(String.valueOf(req.getHeader("traceparent")));
            if (req.getHeader("tracestate") != null) {
                tracestates.add(req.getHeader("tracestate"));
            }
            JsonNode body = null;
            try {
                body = WireJson.MAPPER.readTree(buf.getBytes());
                bodies.add(body);
            } catch (Exception ignored) {
                // Tests that send bad bodies assert on the gateway's answer, not here.
            }
            Behaviour b;
            synchronized (script) {
                b = script.isEmpty() ? fallback : script.poll();
            }
            b.answer(this, req, body);
        })).listen(0, "127.0.0.1").map(s -> this);
    }

    void answer(HttpServerRequest req, JsonNode body, String text) {
        boolean stream = body != null && body.path("stream").asBoolean(false);
        String model = body == null ? "m" : body.path("model").asText("m");
        if (!stream) {
            ChatResponse r = new ChatResponse("chatcmpl-" + name, model, 1, List.of(new Choice(0,
                    Message.assistant(text, List.of()), FinishReason.STOP)), Usage.of(5, 7), null);
            req.response().putHeader("content-type", "application/json")
                    .end(OpenAiJson.writeResponse(r).put("service_tier", "default").toString());
            return;
        }
        HttpServerResponse r = sseStart(req);
        r.write(sse(new ChatChunk("chatcmpl-" + name, model, 1, 0, "assistant", "", null, List.of(), null, null, null)));
        for (String word : text.split("(?<= )")) {
            r.write("data: " + OpenAiJson.writeChunk(ChatChunk.text("chatcmpl-" + name, model, 1, word))
                    .put("service_tier", "default") + "\n\n");
        }
        r.write(sse(new ChatChunk("chatcmpl-" + name, model, 1, 0, null, null, null, List.of(), FinishReason.STOP, null, null)));
        r.write(sse(new ChatChunk("chatcmpl-" + name, model, 1, 0, null, null, null, List.of(), null, Usage.of(5, 7), null)));
        r.end("data: [DONE]\n\n");
    }

    HttpServerResponse sseStart(HttpServerRequest req) {
        HttpServerResponse r = req.response();
        r.setChunked(true).putHeader("content-type", "text/event-stream");
        return r;
    }

    String sse(ChatChunk c) {
        return "data: " + OpenAiJson.writeChunk(c) + "\n\n";
    }


    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
