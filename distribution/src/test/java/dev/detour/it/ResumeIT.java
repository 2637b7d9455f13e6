package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mid-stream resume ({@code stream.resume: true}) through the real gateway: a committed stream
 * whose upstream is cut goes on, in the same stream, on the plan's next target, which was asked to
 * continue the text the client already had; the client sees the whole text once, no error event,
 * and the resume reported on the stream's last event and in /metrics.
 */
class ResumeIT {
    static final String CONTINUE = "Your previous answer was cut off.";

    static Vertx vertx;
    static FakeUpstream primary;
    static FakeUpstream backup;
    static FakeAnthropic claude;
    static FakeAnthropic claudeBackup;
    static Detour gw;

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        primary = await(new FakeUpstream(vertx, "primary").start());
        backup = await(new FakeUpstream(vertx, "backup").start());
        claude = new FakeAnthropic(vertx);
        claudeBackup = new FakeAnthropic(vertx);
        await(claude.listen());
        await(claudeBackup.listen());
        gw = Harness.start(vertx, """
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234 }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-secret-5678 }
                  claude:  { type: anthropic, base_url: "%s", api_key: sk-ant-primary-1234 }
                  claude2: { type: anthropic, base_url: "%s", api_key: sk-ant-backup-5678 }
                defaults:
                  retry: { attempts: 1 }
                  # every test cuts the primary's stream: its breaker must not open across them
                  circuit_breaker: { min_calls: 1000 }
                routes:
                  resume:
                    detectors: []
                    stream: { resume: true }
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                  idle:
                    detectors: []
                    stream: { resume: true }
                    timeouts: { idle: 300ms }
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                  plain:
                    detectors: []
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                  claude:
                    detectors: []
                    stream: { resume: true }
                    targets:
                      - { provider: claude, model: claude-sonnet-4-5 }
                      - { provider: claude2, model: claude-haiku-4-5 }
                """.formatted(primary.baseUrl(), backup.baseUrl(), claude.baseUrl(), claudeBackup.baseUrl()));
    }

    @AfterAll
    static void stop() {
        await(gw.stop());
        primary.close();
        backup.close();
        claude.close();
        claudeBackup.close();
        await(vertx.close());
    }

    @BeforeEach
    void clean() {
        primary.bodies.clear();
        backup.bodies.clear();
        claude.bodies.clear();
        claudeBackup.bodies.clear();
    }

    /** Streams a role chunk and {@code pieces} of text, then closes the connection without ending the stream. */
    static Behaviour cutAfter(String... pieces) {
        return (up, req, body) -> {
            HttpServerResponse r = up.sseStart(req);
            Future<Void> written = r.write(up.sse(new ChatChunk("chatcmpl-cut", "gpt-4o", 7, 0, "assistant", "", null,
                    List.of(), null, null, null)));
            for (String p : pieces) {
                written = r.write(up.sse(ChatChunk.text("chatcmpl-cut", "gpt-4o", 7, p)));
            }
            // Closed once the chunks are out: the gateway reads them all, then the stream ends without [DONE].
            written.onComplete(v -> req.connection().close());
        };
    }

    static Reply stream(String route, boolean usage) {
        return post(vertx, gw.port(), "/v1/chat/completions", "{\"model\":\"" + route + "\",\"stream\":true,"
                + (usage ? "\"stream_options\":{\"include_usage\":true}," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
    }

    @Test
    void a_cut_openai_stream_is_continued_on_the_backup_in_the_same_stream() {
        int before = backup.calls();
        primary.then(cutAfter("The quick ", "brown "));
        backup.then(Behaviour.text("fox jumps."));

        Reply r = stream("resume", true);

        // One stream: the whole text once, no error event, the first commit's headers and id
        assertEquals(200, r.status(), r.body());
        assertEquals("The quick brown fox jumps.", Sse.openAiText(r.body()));
        assertFalse(r.body().contains("\"error\""), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        assertEquals("primary/gpt-4o", r.header("x-detour-target"), "headers went out with the first commit");
        List<JsonNode> chunks = Sse.events(r.body()).stream().filter(e -> !e.data().equals("[DONE]"))
                .map(Sse.Event::json).toList();
        assertTrue(chunks.stream().allMatch(c -> c.path("id").asText().equals("chatcmpl-cut")), "one stream id: " + r.body());
        assertEquals(1, chunks.stream().filter(c -> c.at("/choices/0/delta/role").isTextual()).count(), "one role");
        assertEquals("stop", Sse.openAiFinish(r.body()));

        // The backup was asked to continue what the client had
        assertEquals(before + 1, backup.calls());
        JsonNode messages = backup.bodies.get(0).path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("Say hello", messages.at("/0/content").asText());
        assertEquals("assistant", messages.at("/1/role").asText());
        assertEquals("The quick brown ", messages.at("/1/content").asText());
        assertEquals("user", messages.at("/2/role").asText());
        assertTrue(messages.at("/2/content").asText().startsWith(CONTINUE), messages.toString());
        assertEquals("gpt-4o-mini", backup.bodies.get(0).path("model").asText());

        // The resume is on the usage chunk, and in the metrics
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals(7, last.at("/usage/completion_tokens").asInt(), last.toString());
        JsonNode resumed = last.at("/detour/resumed/0");
        assertEquals("primary/gpt-4o", resumed.path("from").asText(), last.toString());
        assertEquals("backup/gpt-4o-mini", resumed.path("to").asText());
        assertEquals(16, resumed.path("after_chars").asInt());
        assertEquals("connection", resumed.path("reason").asText());
        assertTrue(Harness.get(vertx, gw.port(), "/metrics").body()
                .contains("detour_stream_resumes_total{route=\"resume\",to=\"backup/gpt-4o-mini\"} "));
    }

    @Test
    void without_usage_asked_for_the_resume_is_reported_on_the_finish_chunk() {
        primary.then(cutAfter("Hello "));
        backup.then(Behaviour.text("world"));

        Reply r = stream("resume", false);

        assertEquals("Hello world", Sse.openAiText(r.body()));
        JsonNode finish = Sse.events(r.body()).stream().filter(e -> !e.data().equals("[DONE]")).map(Sse.Event::json)
                .filter(c -> c.at("/choices/0/finish_reason").isTextual()).findFirst().orElseThrow();
        assertEquals("backup/gpt-4o-mini", finish.at("/detour/resumed/0/to").asText(), r.body());
        assertFalse(r.body().contains("\"usage\""), "no usage the client did not ask for: " + r.body());
    }

    @Test
    void a_stream_that_goes_silent_past_its_idle_timeout_is_continued() {
        primary.then(Behaviour.contentThenStall());
        backup.then(Behaviour.text(" and the rest."));

        Reply r = stream("idle", false);

        assertEquals("Partial answer and the rest.", Sse.openAiText(r.body()));
        assertFalse(r.body().contains("\"error\""), r.body());
        JsonNode finish = Sse.events(r.body()).stream().filter(e -> !e.data().equals("[DONE]")).map(Sse.Event::json)
                .filter(c -> c.at("/choices/0/finish_reason").isTextual()).findFirst().orElseThrow();
        assertEquals("timeout", finish.at("/detour/resumed/0/reason").asText(), r.body());
    }

    @Test
    void a_continuation_without_a_usage_chunk_still_reports_the_resume_last() {
        primary.then(cutAfter("Hello "));
        backup.then((up, req, body) -> {
            HttpServerResponse r = up.sseStart(req);
            r.write(up.sse(ChatChunk.text("chatcmpl-b", "gpt-4o-mini", 1, "world")));
            r.write(up.sse(new ChatChunk("chatcmpl-b", "gpt-4o-mini", 1, 0, null, null, null, List.of(),
                    dev.detour.api.model.FinishReason.STOP, null, null)));
            r.end("data: [DONE]\n\n");
        });

        Reply r = stream("resume", true);

        assertEquals("Hello world", Sse.openAiText(r.body()));
        List<JsonNode> chunks = Sse.events(r.body()).stream().filter(e -> !e.data().equals("[DONE]"))
                .map(Sse.Event::json).toList();
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals(0, last.path("choices").size(), "a chunk without choices, as a usage chunk is: " + r.body());
        assertEquals("backup/gpt-4o-mini", last.at("/detour/resumed/0/to").asText());
    }

    @Test
    void a_stream_cut_mid_tool_call_is_not_resumed() {
        int before = backup.calls();
        primary.then((up, req, body) -> {
            HttpServerResponse r = up.sseStart(req);
            r.write(up.sse(new ChatChunk("c", "gpt-4o", 1, 0, "assistant", null, null,
                    List.of(new ToolCallDelta(0, "call_1", "get_weather", "{\"city\":")), null, null, null)))
                    .onComplete(v -> req.connection().close());
        });

        Reply r = stream("resume", false);

        assertEquals(200, r.status());
        assertTrue(r.body().contains("\"stream_interrupted\""), r.body());
        assertEquals(before, backup.calls(), "a half-sent tool call cannot be finished by another model");
    }

    @Test
    void resume_is_off_unless_the_route_asks_for_it() {
        int before = backup.calls();
        primary.then(cutAfter("Partial "));

        Reply r = stream("plain", false);

        assertEquals("Partial ", Sse.openAiText(r.body()));
        assertTrue(r.body().contains("\"stream_interrupted\""), r.body());
        assertEquals(before, backup.calls());
    }

    @Test
    void a_cut_anthropic_stream_is_continued_by_a_prefill_on_the_backup() {
        // Given Claude answering "Hello, " and then an in-band overloaded error
        claude.next((req, body) -> {
            HttpServerResponse r = FakeAnthropic.start(req, "msg_first", "claude-sonnet-4-5");
            r.write(FakeAnthropic.text(0, "Hello, "));
            r.end(FakeAnthropic.event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        });
        claudeBackup.next((req, body) -> {
            HttpServerResponse r = FakeAnthropic.start(req, "msg_second", "claude-haiku-4-5");
            // A model continuing a prefill that lost its trailing space starts with one
            r.write(FakeAnthropic.text(0, " world!"));
            r.end(FakeAnthropic.stop(0, 9));
        });

        // When an Anthropic client streams through the route
        Reply r = post(vertx, gw.port(), "/v1/messages", "{\"model\":\"claude\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Greet the world\"}]}", Map.of());

        // Then it reads one message with the whole text and no error
        assertEquals(200, r.status(), r.body());
        List<Sse.Event> events = Sse.events(r.body());
        StringBuilder text = new StringBuilder();
        for (Sse.Event e : events) {
            if (e.name().equals("content_block_delta")) {
                text.append(e.json().at("/delta/text").asText());
            }
        }
        assertEquals("Hello, world!", text.toString(), r.body());
        assertEquals(0, events.stream().filter(e -> e.name().equals("error")).count(), r.body());
        assertEquals(1, events.stream().filter(e -> e.name().equals("message_start")).count());
        assertEquals("message_stop", events.get(events.size() - 1).name());
        JsonNode delta = events.stream().filter(e -> e.name().equals("message_delta")).findFirst().orElseThrow().json();
        assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
        assertEquals("claude/claude-sonnet-4-5", delta.at("/detour/resumed/0/from").asText(), delta.toString());
        assertEquals("claude2/claude-haiku-4-5", delta.at("/detour/resumed/0/to").asText());
        assertEquals("overloaded", delta.at("/detour/resumed/0/reason").asText());

        // And the backup got the request with the text so far as a prefill, without its trailing space
        JsonNode sent = claudeBackup.bodies.get(0);
        JsonNode messages = sent.path("messages");
        assertEquals(2, messages.size(), sent.toString());
        assertEquals("assistant", messages.at("/1/role").asText());
        assertEquals("Hello,", prefill(messages.get(1)), sent.toString());
        assertEquals("claude-haiku-4-5", sent.path("model").asText());
    }

    /** The text of an Anthropic message given as a string or as text blocks. */
    static String prefill(JsonNode message) {
        JsonNode c = message.path("content");
        if (c.isTextual()) {
            return c.asText();
        }
        StringBuilder sb = new StringBuilder();
        c.forEach(b -> sb.append(b.path("text").asText()));
        return sb.toString();
    }

    /** A fake Anthropic Messages upstream answering each call with the next scripted stream. */
    static final class FakeAnthropic extends FakeJsonServer {
        final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
        private final Deque<BiConsumer<HttpServerRequest, JsonNode>> script = new ArrayDeque<>();

        FakeAnthropic(Vertx vertx) {
            super(vertx);
        }

        void next(BiConsumer<HttpServerRequest, JsonNode> answer) {
            synchronized (script) {
                script.add(answer);
            }
        }

        @Override
        void onRequest(HttpServerRequest req, JsonNode body) {
            bodies.add(body);
            BiConsumer<HttpServerRequest, JsonNode> a;
            synchronized (script) {
                a = script.poll();
            }
            if (a == null) {
                req.response().setStatusCode(500).end();
            } else {
                a.accept(req, body);
            }
        }

        static HttpServerResponse start(HttpServerRequest req, String id, String model) {
            HttpServerResponse r = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
            r.write(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"content\":[],\"model\":\"" + model + "\",\"stop_reason\":null,"
                    + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}"));
            r.write(event("content_block_start",
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
            return r;
        }

        static String text(int index, String text) {
            return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                    + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}");
        }

        static String stop(int index, int outputTokens) {
            return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}")
                    + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                    + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}")
                    + event("message_stop", "{\"type\":\"message_stop\"}");
        }

        static String event(String name, String json) {
            return "event: " + name + "\ndata: " + json + "\n\n";
        }
    }
}
