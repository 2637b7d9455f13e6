package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Route guardrails through the real gateway and the bundled {@code guardrails} plugin jar: input
 * before routing (deny, redact, narrow), whole answers (deny, fall back, restore), streamed answers
 * (a value split at every chunk boundary, a deny before and after the commit), embeddings.
 */
class GuardrailsIT extends TwoUpstreams {
    static final String EMAIL = "jane.doe@example.com";


    /** Primary is a closed provider, backup a self-hosted one; both OpenAI-compatible. */
    String config(String guardrails) {
        return """
                server: { shutdown_grace: 5s }
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234, category: closed }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-secret-5678, category: self-hosted }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: local-llm }
                    retry: { attempts: 1 }
                    guardrails:
                %s
                """.formatted(primary.baseUrl(), backup.baseUrl(), guardrails.indent(6).stripTrailing());
    }

    static String chat(String text, boolean stream) {
        return "{\"model\":\"support\",\"stream\":" + stream + ",\"x_unmodelled\":\"kept\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    Reply call(String text, boolean stream) {
        return post(vertx, gw.port(), "/v1/chat/completions", chat(text, stream));
    }

    /** Streams {@code pieces} as text chunks, then a finish and [DONE]. */
    static Behaviour pieces(List<String> pieces) {
        return (up, req, body) -> {
            HttpServerResponse r = up.sseStart(req);
            r.write(up.sse(new ChatChunk("c1", "m", 1, 0, "assistant", "", null, List.of(), null, null, null)));
            for (String p : pieces) {
                r.write(up.sse(ChatChunk.text("c1", "m", 1, p)));
            }
            r.write(up.sse(new ChatChunk("c1", "m", 1, 0, null, null, null, List.of(), FinishReason.STOP, null, null)));
            r.end("data: [DONE]\n\n");
        };
    }

    /** The text a client assembles from a chat stream's events, and whether any event failed. */
    static String streamedText(Reply r) {
        StringBuilder sb = new StringBuilder();
        for (String e : r.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode n = parse(e);
            sb.append(n.at("/choices/0/delta/content").asText(""));
        }
        return sb.toString();
    }

    static JsonNode parse(String json) {
        try {
            return dev.detour.wire.http.WireJson.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }

    @Test
    void a_denied_request_is_400_naming_the_guardrail_and_reaches_no_target() {
        gw = Harness.start(vertx, config("- { type: denylist, words: [\"project falcon\"], case_insensitive: true }"));
        Reply r = call("Tell me about Project Falcon please", false);
        assertEquals(400, r.status(), r.body());
        assertEquals("guardrail_denied", r.json().at("/error/code").asText());
        String message = r.json().at("/error/message").asText();
        assertTrue(message.contains("'denylist'"), message);
        assertFalse(r.body().toLowerCase().contains("falcon"), "the matched text is never echoed: " + r.body());
        assertEquals(0, primary.calls() + backup.calls());

        Reply m = post(vertx, gw.port(), "/v1/messages", "{\"model\":\"support\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"project falcon\"}]}");
        assertEquals(400, m.status(), m.body());
        assertEquals("error", m.json().path("type").asText(), "Anthropic's error shape on /v1/messages");
        assertEquals("guardrail_denied", m.json().at("/error/code").asText());
        assertEquals(0, primary.calls() + backup.calls());

        Reply ok = call("Tell me about the weather", false);
        assertEquals(200, ok.status(), ok.body());
        assertNull(ok.header("x-detour-guardrails"), "nothing changed");
        assertEquals("default", ok.json().path("service_tier").asText(),
                "an answer no guardrail changed is still forwarded as the upstream sent it");
    }

    @Test
    void a_redacted_request_reaches_the_upstream_redacted_and_restore_puts_the_value_back() {
        primary.always(Behaviour.text("I will write to [EMAIL_1] today."));
        gw = Harness.start(vertx, config("- { type: pii, action: redact, restore: true }"));
        Reply r = call("My address is " + EMAIL + ", write to me", false);
        assertEquals(200, r.status(), r.body());
        JsonNode sent = primary.bodies.get(0);
        String upstreamText = sent.at("/messages/0/content").asText();
        assertEquals("My address is [EMAIL_1], write to me", upstreamText);
        assertFalse(sent.toString().contains(EMAIL), "the client's bytes are never forwarded: " + sent);
        assertEquals("kept", sent.path("x_unmodelled").asText(), "the rest of the request still travels");
        assertEquals("I will write to " + EMAIL + " today.", r.json().at("/choices/0/message/content").asText());
        assertTrue(r.header("x-detour-guardrails").contains("pii:redacted"), r.header("x-detour-guardrails"));
        assertTrue(r.header("x-detour-guardrails").contains("pii:restored"), r.header("x-detour-guardrails"));

        // Streamed, the placeholder restored although it arrives split.
        primary.always(pieces(List.of("I will write to [EM", "AIL_1] tod", "ay.")));
        Reply s = call("My address is " + EMAIL + ", write to me", true);
        assertEquals(200, s.status(), s.body());
        assertEquals("I will write to " + EMAIL + " today.", streamedText(s));
        assertFalse(primary.bodies.get(1).toString().contains(EMAIL));
        assertTrue(s.header("x-detour-guardrails").contains("pii:redacted"), "what changed before the first byte");
    }

    @Test
    void an_anthropic_stream_is_redacted_across_chunks_too() {
        primary.always(pieces(List.of("Write to jane.d", "oe@exam", "ple.com or call.")));
        gw = Harness.start(vertx, config("- { type: pii, action: redact, on: output }"));
        Reply r = post(vertx, gw.port(), "/v1/messages", "{\"model\":\"support\",\"max_tokens\":50,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Who?\"}]}");
        assertEquals(200, r.status(), r.body());
        assertFalse(r.body().contains("jane"), r.body());
        StringBuilder text = new StringBuilder();
        for (String e : r.events()) {
            JsonNode n = parse(e);
            if (n.path("type").asText().equals("content_block_delta")) {
                text.append(n.at("/delta/text").asText(""));
            }
        }
        assertEquals("Write to [EMAIL_1] or call.", text.toString());
        assertTrue(r.body().contains("message_stop"), "the stream ends as Anthropic's does");
    }

    @Test
    void route_to_lets_only_the_listed_categories_serve_and_says_why_the_others_were_skipped() {
        gw = Harness.start(vertx, config("- { type: pii, action: route_to, categories: [self-hosted] }"));
        Reply r = call("My address is " + EMAIL, false);
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/local-llm", r.header("x-detour-target"));
        assertEquals(0, primary.calls(), "the closed provider never sees personal data");
        assertTrue(r.header("x-detour-guardrails").startsWith("pii:route_to"), r.header("x-detour-guardrails"));
        assertTrue(backup.bodies.get(0).toString().contains(EMAIL), "narrowed, not redacted");

        Reply plain = call("No personal data here", false);
        assertEquals("primary/gpt-4o", plain.header("x-detour-target"), "without PII the route's plan is whole");

        // Narrowed to a category only a provider outside the envelope has: the narrowing cannot widen
        // the route or the envelope, so nothing is called and the skips say why.
        await(gw.stop());
        FakeUpstream onPrem = await(new FakeUpstream(vertx, "on-prem").start());
        gw = Harness.start(vertx, config("- { type: pii, action: route_to, categories: [on-prem] }")
                .replace("routes:\n", "  onprem: { type: openai, base_url: \"" + onPrem.baseUrl()
                        + "\", api_key: sk-onprem-1234, category: on-prem }\n"
                        + "envelope: { categories: [closed, self-hosted] }\nroutes:\n"));
        int before = primary.calls() + backup.calls();
        Reply none = call("My address is " + EMAIL, false);
        assertEquals(503, none.status(), none.body());
        assertEquals("no_target_available", none.json().at("/error/code").asText());
        JsonNode attempts = none.json().at("/error/attempts");
        assertEquals(2, attempts.size(), none.body());
        for (JsonNode a : attempts) {
            assertTrue(a.path("skipped").asText().contains("guardrail 'pii'"), none.body());
        }
        assertFalse(none.body().contains(EMAIL));
        assertEquals(before, primary.calls() + backup.calls());
        assertEquals(0, onPrem.calls(), "the envelope holds whatever a guardrail allows");
        onPrem.close();
    }

    @Test
    void an_answer_failing_its_schema_falls_back_and_a_denied_answer_is_400() {
        primary.always(Behaviour.text("Sure! Here it is."));
        backup.always(Behaviour.text("{\"answer\": \"42\"}"));
        gw = Harness.start(vertx, config("""
                - type: json_schema
                  on: output
                  schema: { type: object, required: [answer], properties: { answer: { type: string } } }"""));
        Reply r = call("What is the answer?", false);
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/local-llm", r.header("x-detour-target"));
        assertEquals("true", r.header("x-detour-failover"));
        assertEquals(1, primary.calls());

        // No answer passes: guardrail_denied, every attempt listed.
        backup.always(Behaviour.text("nope"));
        Reply none = call("What is the answer?", false);
        assertEquals(400, none.status(), none.body());
        assertEquals("guardrail_denied", none.json().at("/error/code").asText());
        assertEquals(2, none.json().at("/error/attempts").size(), none.body());

        await(gw.stop());
        primary.always(Behaviour.text("The launch code is zebra-7 as requested."));
        gw = Harness.start(vertx, config("- { type: denylist, on: output, words: [zebra-7] }"));
        int backupBefore = backup.calls();
        Reply denied = call("What is the launch code?", false);
        assertEquals(400, denied.status(), denied.body());
        assertEquals("guardrail_denied", denied.json().at("/error/code").asText());
        assertFalse(denied.body().contains("zebra"), denied.body());
        assertEquals(backupBefore, backup.calls(), "a denial is not a failure of the target: no fallback");
    }

    @Test
    void a_streamed_value_split_at_every_chunk_boundary_is_redacted() {
        String text = "Contact " + EMAIL + " now.";
        gw = Harness.start(vertx, config("- { type: pii, action: redact, on: output }"));
        for (int cut = 1; cut < text.length(); cut++) {
            primary.always(pieces(List.of(text.substring(0, cut), text.substring(cut))));
            Reply r = call("Who do I contact?", true);
            assertEquals(200, r.status(), r.body());
            assertFalse(r.body().contains(EMAIL), "cut at " + cut + ": " + r.body());
            assertFalse(r.body().contains("jane.doe"), "no part of it either, cut at " + cut + ": " + r.body());
            assertEquals("Contact [EMAIL_1] now.", streamedText(r), "cut at " + cut);
        }
        // One character per chunk.
        List<String> chars = new ArrayList<>();
        text.codePoints().forEach(c -> chars.add(new String(Character.toChars(c))));
        primary.always(pieces(chars));
        Reply r = call("Who do I contact?", true);
        assertEquals("Contact [EMAIL_1] now.", streamedText(r));
        assertEquals("data: [DONE]", r.body().strip().substring(r.body().strip().lastIndexOf("data: ")));
    }

    @Test
    void a_stream_denied_before_its_commit_fails_over_and_after_it_ends_with_an_error_event() {
        // Before the commit: the denied word is in the text the guardrail holds back.
        primary.always(pieces(List.of("zebra-7 is the code")));
        backup.always(pieces(List.of("I cannot say.")));
        gw = Harness.start(vertx, config("- { type: denylist, on: output, words: [zebra-7] }"));
        Reply before = call("What is the launch code?", true);
        assertEquals(200, before.status(), before.body());
        assertEquals("backup/local-llm", before.header("x-detour-target"));
        assertEquals("I cannot say.", streamedText(before));
        assertFalse(before.body().contains("zebra"));

        // After the commit: what was sent stays sent, the stream ends with guardrail_denied and [DONE].
        // The upstream goes on only once the client has the stream's head (the commit reached it).
        String lead = "This is a long and harmless introduction that is sent before anything else happens. ";
        Promise<Void> clientHasHead = Promise.promise();
        primary.always((up, req, body) -> {
            HttpServerResponse r = up.sseStart(req);
            r.write(up.sse(ChatChunk.text("c1", "m", 1, lead)));
            r.write(up.sse(ChatChunk.text("c1", "m", 1, lead)));
            clientHasHead.future().onComplete(x -> {
                r.write(up.sse(ChatChunk.text("c1", "m", 1, "The code is zebra-7.")));
                r.write(up.sse(ChatChunk.text("c1", "m", 1, " More text.")));
                r.end("data: [DONE]\n\n");
            });
        });
        HttpClient client = vertx.createHttpClient();
        Reply after = await(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                .setPort(gw.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(chat("What is the launch code?", true)))
                .compose(resp -> {
                    clientHasHead.tryComplete();
                    return resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()));
                }));
        client.close();
        assertEquals(200, after.status(), after.body());
        assertEquals("primary/gpt-4o", after.header("x-detour-target"));
        assertFalse(after.body().contains("zebra"), after.body());
        List<String> events = after.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        JsonNode error = parse(events.get(events.size() - 2));
        assertEquals("guardrail_denied", error.at("/error/code").asText(), after.body());
        assertTrue(error.at("/error/message").asText().contains("'denylist'"));
        assertTrue(streamedText(after).startsWith(lead), "the text before the match was sent as it came");
    }

    @Test
    void embeddings_inputs_are_judged_before_routing() {
        Behaviour embed = (up, req, body) -> req.response().putHeader("content-type", "application/json")
                .end("{\"object\":\"list\",\"model\":\"m\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                        + "\"embedding\":[0.5,0.25]}],\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}");
        primary.always(embed);
        gw = Harness.start(vertx, config("- { type: pii, action: redact }\n- { type: denylist, words: [forbidden] }"));
        Reply r = post(vertx, gw.port(), "/v1/embeddings", "{\"model\":\"support\",\"input\":[\"mail " + EMAIL
                + "\",\"plain\"]}");
        assertEquals(200, r.status(), r.body());
        JsonNode sent = primary.bodies.get(0);
        assertEquals("mail [EMAIL_1]", sent.at("/input/0").asText(), sent.toString());
        assertEquals("plain", sent.at("/input/1").asText());
        assertEquals("pii:redacted", r.header("x-detour-guardrails"));

        Reply denied = post(vertx, gw.port(), "/v1/embeddings", "{\"model\":\"support\",\"input\":\"forbidden\"}");
        assertEquals(400, denied.status(), denied.body());
        assertEquals("guardrail_denied", denied.json().at("/error/code").asText());
        assertEquals(1, primary.calls());
    }
}
