package dev.detour.wire.openai;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A request parsed from a client's body is written back from that body: forward what needs no change. */
class OpenAiRequestPassThroughTest {

    static JsonNode json(String s) throws Exception {
        return WireJson.MAPPER.readTree(s);
    }

    static final String BODY = """
            {"model":"support","messages":[{"role":"user","content":"hi","x_part":1}],"logprobs":true,
             "stream":true,"stream_options":{"include_usage":false,"x_opt":2},"service_tier":"flex"}""";

    @Test
    void writes_the_clients_body_with_the_targets_model_and_the_records_stream_flags() throws Exception {
        ChatRequest r = OpenAiJson.parseRequest(json(BODY));
        assertNotNull(r.raw());
        JsonNode out = OpenAiJson.writeRequest(r.toBuilder().model("gpt-4o").includeUsage(true).build());
        assertEquals("gpt-4o", out.path("model").asText());
        assertEquals(1, out.at("/messages/0/x_part").asInt(), "unmodelled fields of a message survive");
        assertEquals("flex", out.path("service_tier").asText());
        assertEquals(true, out.at("/stream_options/include_usage").asBoolean());
        assertEquals(2, out.at("/stream_options/x_opt").asInt());
        assertEquals("support", r.raw().json().path("model").asText(), "the client's body is never mutated");
        assertFalse(r.raw().json().at("/stream_options/include_usage").asBoolean());

        JsonNode plain = OpenAiJson.writeRequest(r.toBuilder().stream(false).includeUsage(false).build());
        assertFalse(plain.has("stream"));
        assertFalse(plain.has("stream_options"));
    }

    @Test
    void any_other_change_drops_the_body() throws Exception {
        ChatRequest r = OpenAiJson.parseRequest(json(BODY));
        ChatRequest changed = r.toBuilder().messages(List.of(Message.text("user", "other"))).build();
        assertNull(changed.raw());
        assertEquals("other", OpenAiJson.writeRequest(changed).at("/messages/0/content").asText());
        assertSame(r.raw(), r.toBuilder().model("m").build().raw());
    }

    // ---------------------------------------------------------------- splicing the client's bytes

    static ChatRequest fromBytes(String body) throws Exception {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return OpenAiJson.parseRequest(WireJson.MAPPER.readTree(bytes), bytes);
    }

    static String splice(ChatRequest r) {
        byte[] out = OpenAiJson.spliceRequest(r);
        return out == null ? null : new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void splices_the_targets_model_into_the_clients_own_bytes() throws Exception {
        String body = "{ \"messages\": [{\"role\":\"user\",\"content\":\"say \\\"model\\\": x\"}],\n"
                + "  \"model\" : \"support\", \"temperature\": 0.2, \"x\": {\"model\": \"inner\"} }\n";
        ChatRequest r = fromBytes(body).toBuilder().model("gpt-4o \"mini\"").build();

        String out = splice(r);

        assertEquals(body.replace("\"support\"", "\"gpt-4o \\\"mini\\\"\""), out,
                "only the top-level model's value changes; formatting and every other byte are kept");
        assertEquals(OpenAiJson.writeRequest(r), json(out));
    }

    @Test
    void a_stream_gets_include_usage_inserted_when_the_client_sent_no_stream_options() throws Exception {
        String body = "{\"model\":\"support\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        ChatRequest r = fromBytes(body).toBuilder().model("gpt-4o").includeUsage(true).build();

        String out = splice(r);

        assertEquals("{\"stream_options\":{\"include_usage\":true},\"model\":\"gpt-4o\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", out);
        assertEquals(OpenAiJson.writeRequest(r), json(out));
    }

    @Test
    void a_stream_that_already_asks_for_usage_is_forwarded_as_it_is() throws Exception {
        String body = "{\"model\":\"support\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        ChatRequest r = fromBytes(body).toBuilder().model("gpt-4o").build();

        assertEquals(body.replace("support", "gpt-4o"), splice(r));
    }

    @Test
    void falls_back_to_writing_the_json_when_splicing_would_not_give_the_same_body() throws Exception {
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        // The client's stream_options say something else than what is sent.
        assertNull(splice(fromBytes("{\"model\":\"a\",\"stream\":true,\"stream_options\":{\"include_usage\":false},"
                + msgs + "}").toBuilder().includeUsage(true).build()));
        // A non-stream call must not carry stream_options.
        assertNull(splice(fromBytes("{\"model\":\"a\",\"stream_options\":{},"  + msgs + "}")));
        // The client asked for a stream, but this call is not one.
        assertNull(splice(fromBytes("{\"model\":\"a\",\"stream\":true," + msgs + "}").toBuilder().stream(false)
                .includeUsage(false).build()));
        // Duplicated or escaped names: which value a parser keeps is not for a splice to guess.
        assertNull(splice(fromBytes("{\"model\":\"a\",\"model\":\"b\"," + msgs + "}")));
        assertNull(splice(fromBytes("{\"mod\\u0065l\":\"a\"," + msgs + "}")));
        // Content after the object, which a lenient parser ignored.
        assertNull(splice(fromBytes("{\"model\":\"a\"," + msgs + "} trailing")));
        // No bytes (built in code, or changed since parsing).
        assertNull(splice(OpenAiJson.parseRequest(json("{\"model\":\"a\"," + msgs + "}"))));
        assertNull(splice(fromBytes("{\"model\":\"a\"," + msgs + "}").toBuilder().temperature(0.5).build()));
    }

    @Test
    void a_non_stream_call_keeps_an_explicit_stream_false() throws Exception {
        String body = "{\"model\":\"a\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertEquals(body.replace("\"a\"", "\"b\""), splice(fromBytes(body).toBuilder().model("b").build()));
    }
}
