package dev.detour.api.wire;

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
        return OpenAiJson.MAPPER.readTree(s);
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
        assertEquals("support", r.raw().path("model").asText(), "the client's body is never mutated");
        assertFalse(r.raw().at("/stream_options/include_usage").asBoolean());

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
}
