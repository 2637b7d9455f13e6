package dev.detour.wire.openai;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A request parsed from a client's body is written back from that body, which the attempt carries
 * beside the canonical request: forward what needs no change.
 */
class OpenAiRequestPassThroughTest {

    static JsonNode json(String s) throws Exception {
        return WireJson.MAPPER.readTree(s);
    }

    static JsonNode json(byte[] b) throws Exception {
        return WireJson.MAPPER.readTree(b);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final String BODY = """
            {"model":"support","messages":[{"role":"user","content":"hi","x_part":1}],"logprobs":true,
             "stream":true,"stream_options":{"include_usage":false,"x_opt":2},"service_tier":"flex"}""";

    @Test
    void writes_the_clients_body_with_the_targets_model_and_the_records_stream_flags() throws Exception {
        byte[] client = utf8(BODY);
        ChatRequest r = OpenAiJson.parseRequest(json(client));
        JsonNode out = OpenAiJson.writeRequest(r.toBuilder().model("gpt-4o").includeUsage(true).build(), client);
        assertEquals("gpt-4o", out.path("model").asText());
        assertEquals(1, out.at("/messages/0/x_part").asInt(), "unmodelled fields of a message survive");
        assertEquals("flex", out.path("service_tier").asText());
        assertEquals(true, out.at("/stream_options/include_usage").asBoolean());
        assertEquals(2, out.at("/stream_options/x_opt").asInt());
        assertArrayEquals(utf8(BODY), client, "the client's body is never mutated");

        JsonNode plain = OpenAiJson.writeRequest(r.toBuilder().stream(false).includeUsage(false).build(), client);
        assertFalse(plain.has("stream"));
        assertFalse(plain.has("stream_options"));
    }

    @Test
    void without_the_clients_body_the_request_is_written_from_the_record() throws Exception {
        ChatRequest r = OpenAiJson.parseRequest(json(BODY));
        ChatRequest changed = r.toBuilder().messages(List.of(Message.text("user", "other"))).build();
        assertEquals("other", OpenAiJson.writeRequest(changed, null).at("/messages/0/content").asText());
        assertEquals(OpenAiJson.writeRequest(changed), OpenAiJson.writeRequest(changed, null));
        assertFalse(OpenAiJson.writeRequest(changed).at("/messages/0").has("x_part"),
                "the record keeps what it models; the client's body is what carries the rest");
    }

    @Test
    void requests_are_values() throws Exception {
        ChatRequest a = OpenAiJson.parseRequest(json(BODY));
        ChatRequest b = OpenAiJson.parseRequest(json(BODY));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a, a.toBuilder().model("gpt-4o").build().toBuilder().model("support").build());
        assertNotEquals(a, a.toBuilder().temperature(0.5).build());
    }

    // ---------------------------------------------------------------- splicing the client's bytes

    /** The client's body and the request parsed from it. */
    record Parsed(byte[] body, ChatRequest request) {
        Parsed with(java.util.function.UnaryOperator<ChatRequest.Builder> change) {
            return new Parsed(body, change.apply(request.toBuilder()).build());
        }
    }

    static Parsed fromBytes(String body) throws Exception {
        byte[] bytes = utf8(body);
        return new Parsed(bytes, OpenAiJson.parseRequest(json(bytes)));
    }

    static String splice(Parsed p) {
        byte[] out = OpenAiJson.spliceRequest(p.request(), p.body());
        return out == null ? null : new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void splices_the_targets_model_into_the_clients_own_bytes() throws Exception {
        String body = "{ \"messages\": [{\"role\":\"user\",\"content\":\"say \\\"model\\\": x\"}],\n"
                + "  \"model\" : \"support\", \"temperature\": 0.2, \"x\": {\"model\": \"inner\"} }\n";
        Parsed p = fromBytes(body).with(b -> b.model("gpt-4o \"mini\""));

        String out = splice(p);

        assertEquals(body.replace("\"support\"", "\"gpt-4o \\\"mini\\\"\""), out,
                "only the top-level model's value changes; formatting and every other byte are kept");
        assertEquals(OpenAiJson.writeRequest(p.request(), p.body()), json(out));
        assertEquals(OpenAiJson.writeRequest(p.request()), json(out));
    }

    @Test
    void a_stream_gets_include_usage_inserted_when_the_client_sent_no_stream_options() throws Exception {
        String body = "{\"model\":\"support\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Parsed p = fromBytes(body).with(b -> b.model("gpt-4o").includeUsage(true));

        String out = splice(p);

        assertEquals("{\"stream_options\":{\"include_usage\":true},\"model\":\"gpt-4o\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", out);
        assertEquals(OpenAiJson.writeRequest(p.request(), p.body()), json(out));
    }

    @Test
    void a_stream_that_already_asks_for_usage_is_forwarded_as_it_is() throws Exception {
        String body = "{\"model\":\"support\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Parsed p = fromBytes(body).with(b -> b.model("gpt-4o"));

        assertEquals(body.replace("support", "gpt-4o"), splice(p));
    }

    @Test
    void falls_back_to_writing_the_json_when_splicing_would_not_give_the_same_body() throws Exception {
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        // The client's stream_options say something else than what is sent.
        Parsed noUsage = fromBytes("{\"model\":\"a\",\"stream\":true,\"stream_options\":{\"include_usage\":false},"
                + msgs + "}").with(b -> b.includeUsage(true));
        assertNull(splice(noUsage));
        assertEquals(true, OpenAiJson.writeRequest(noUsage.request(), noUsage.body())
                .at("/stream_options/include_usage").asBoolean(), "the fallback says what the request says");
        // A non-stream call must not carry stream_options.
        assertNull(splice(fromBytes("{\"model\":\"a\",\"stream_options\":{},"  + msgs + "}")));
        // The client asked for a stream, but this call is not one.
        assertNull(splice(fromBytes("{\"model\":\"a\",\"stream\":true," + msgs + "}").with(b -> b.stream(false)
                .includeUsage(false))));
        // Duplicated or escaped names: which value a parser keeps is not for a splice to guess.
        assertNull(splice(fromBytes("{\"model\":\"a\",\"model\":\"b\"," + msgs + "}")));
        assertNull(splice(fromBytes("{\"mod\\u0065l\":\"a\"," + msgs + "}")));
        // Content after the object, which a lenient parser ignored.
        assertNull(splice(fromBytes("{\"model\":\"a\"," + msgs + "} trailing")));
        // No client body (built in code, or changed since parsing: core then hands the attempt none).
        assertNull(OpenAiJson.spliceRequest(OpenAiJson.parseRequest(json("{\"model\":\"a\"," + msgs + "}")), null));
    }

    @Test
    void a_non_stream_call_keeps_an_explicit_stream_false() throws Exception {
        String body = "{\"model\":\"a\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertEquals(body.replace("\"a\"", "\"b\""), splice(fromBytes(body).with(b -> b.model("b"))));
    }
}
