package dev.detour.plugin.bedrock;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.wire.openai.OpenAiJson;
import org.junit.jupiter.api.Test;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BedrockTranslatorTest {

    static JsonNode json(String s) {
        try {
            return WireJson.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ChatRequest req(String s) {
        return OpenAiJson.parseRequest(json(s));
    }

    @Test
    void moves_system_messages_and_maps_inference_settings() {
        ObjectNode body = BedrockTranslator.request(req("""
                {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":"Use French."},
                 {"role":"user","content":"Hi"}],"max_completion_tokens":256,"temperature":0.3,"top_p":0.9,"stop":["END"],
                 "seed":7,"user":"u1","logprobs":true}"""));

        assertEquals(json("""
                {"messages":[{"role":"user","content":[{"text":"Hi"}]}],
                 "system":[{"text":"Be brief."},{"text":"Use French."}],
                 "inferenceConfig":{"maxTokens":256,"temperature":0.3,"topP":0.9,"stopSequences":["END"]}}"""), body);
    }

    @Test
    void translates_tool_calls_results_and_merges_consecutive_turns() {
        ObjectNode body = BedrockTranslator.request(req("""
                {"model":"m","messages":[
                  {"role":"user","content":"What is the top song on WZPZ?"},
                  {"role":"assistant","content":"","tool_calls":[{"id":"t1","type":"function",
                    "function":{"name":"top_song","arguments":"{\\"sign\\":\\"WZPZ\\"}"}}]},
                  {"role":"tool","tool_call_id":"t1","content":"{\\"song\\":\\"Elemental Hotel\\"}"},
                  {"role":"tool","tool_call_id":"t2","content":"plain text result"},
                  {"role":"user","content":"Thanks"}],
                 "tools":[{"type":"function","function":{"name":"top_song","description":"Top song of a station",
                   "parameters":{"type":"object","properties":{"sign":{"type":"string"}},"required":["sign"]}}}],
                 "tool_choice":"required"}"""));

        assertEquals(json("""
                {"messages":[
                  {"role":"user","content":[{"text":"What is the top song on WZPZ?"}]},
                  {"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"top_song","input":{"sign":"WZPZ"}}}]},
                  {"role":"user","content":[
                    {"toolResult":{"toolUseId":"t1","content":[{"json":{"song":"Elemental Hotel"}}]}},
                    {"toolResult":{"toolUseId":"t2","content":[{"text":"plain text result"}]}},
                    {"text":"Thanks"}]}],
                 "toolConfig":{"tools":[{"toolSpec":{"name":"top_song","description":"Top song of a station",
                   "inputSchema":{"json":{"type":"object","properties":{"sign":{"type":"string"}},"required":["sign"]}}}}],
                   "toolChoice":{"any":{}}}}"""), body);
    }

    @Test
    void maps_tool_choice_auto_and_a_named_function() {
        String base = """
                {"model":"m","messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":%s}""";
        assertEquals(json("{\"auto\":{}}"), BedrockTranslator.request(req(base.formatted("\"auto\""))).at("/toolConfig/toolChoice"));
        assertEquals(json("{\"tool\":{\"name\":\"f\"}}"), BedrockTranslator.request(
                req(base.formatted("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"))).at("/toolConfig/toolChoice"));
        assertEquals(json("{\"type\":\"object\",\"properties\":{}}"),
                BedrockTranslator.request(req(base.formatted("\"auto\""))).at("/toolConfig/tools/0/toolSpec/inputSchema/json"));
        assertFalse(BedrockTranslator.request(req(base.formatted("\"none\""))).has("toolConfig"));
    }

    @Test
    void sends_data_url_images_as_bytes() {
        ObjectNode body = BedrockTranslator.request(req("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}"""));

        assertEquals(json("{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"iVBORw0KGgo=\"}}}"),
                body.at("/messages/0/content/1"));
    }

    @Test
    void an_image_url_no_provider_can_fetch_is_an_invalid_request_not_unsupported() {
        ProviderException e = assertThrows(ProviderException.class, () -> BedrockTranslator.request(req("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"},
                  {"type":"image_url","image_url":{"url":"file:///tmp/cat.png"}}]}]}""")));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("messages[0].content[1].image_url.url"), e.getMessage());
    }

    @Test
    void refuses_image_urls_as_unsupported() {
        ProviderException e = assertThrows(ProviderException.class, () -> BedrockTranslator.request(req("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""")));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
    }

    @Test
    void refuses_unknown_image_types_json_modes_several_choices_and_audio_parts() {
        for (String r : new String[] {
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/bmp;base64,AA==\"}}]}]}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_object\"}}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]}"}) {
            ProviderException e = assertThrows(ProviderException.class, () -> BedrockTranslator.request(req(r)), r);
            assertEquals(ErrorKind.UNSUPPORTED, e.kind(), r);
        }
    }

    @Test
    void does_not_mutate_the_request() {
        ChatRequest r = req("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0.5}");
        String before = OpenAiJson.writeRequest(r).toString();
        BedrockTranslator.request(r);
        assertEquals(before, OpenAiJson.writeRequest(r).toString());
    }

    @Test
    void parses_a_text_answer() {
        ChatResponse r = BedrockTranslator.response(json(fixture("/bedrock/converse-text.json")), "req-1", "m", 42);

        assertEquals("Hello! How can I help you today?", r.text());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(12, r.usage().promptTokens());
        assertEquals(9, r.usage().completionTokens());
        assertEquals("req-1", r.id());
        assertEquals(42, r.created());
    }

    @Test
    void parses_tool_use_and_counts_cached_input_in_the_prompt() {
        ChatResponse r = BedrockTranslator.response(json(fixture("/bedrock/converse-tool-use.json")), "req-2", "m", 0);

        assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
        var call = r.choices().get(0).message().toolCalls().get(0);
        assertEquals("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", call.id());
        assertEquals("top_song", call.name());
        assertEquals(json("{\"sign\":\"WZPZ\"}"), json(call.arguments()));
        assertEquals("Let me look that up.", r.text());
        assertEquals(1175, r.usage().promptTokens());
        assertEquals(800, r.usage().cachedTokens());
    }

    @Test
    void maps_every_documented_stop_reason() {
        assertEquals(FinishReason.STOP, BedrockTranslator.finishReason("end_turn"));
        assertEquals(FinishReason.STOP, BedrockTranslator.finishReason("stop_sequence"));
        assertEquals(FinishReason.TOOL_CALLS, BedrockTranslator.finishReason("tool_use"));
        assertEquals(FinishReason.LENGTH, BedrockTranslator.finishReason("max_tokens"));
        assertEquals(FinishReason.CONTENT_FILTER, BedrockTranslator.finishReason("guardrail_intervened"));
        assertEquals(FinishReason.CONTENT_FILTER, BedrockTranslator.finishReason("content_filtered"));
        assertNull(BedrockTranslator.finishReason(null));
    }

    @Test
    void fails_as_server_error_when_the_answer_has_no_message() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> BedrockTranslator.response(json("{\"stopReason\":\"end_turn\"}"), "x", "m", 0));
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
    }
}
