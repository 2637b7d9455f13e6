package dev.detour.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.WireFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.detour.wire.responses.Fixtures.json;
import static dev.detour.wire.responses.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponsesCodecTest {

    static ResponsesRequest read(String fixture) {
        return ResponsesCodec.parseRequest(json(fixture));
    }

    // ------------------------------------------------------------------ requests

    @Test
    void a_string_input_is_one_user_message() {
        ResponsesRequest q = read("request-text.json");
        ChatRequest c = q.chat();
        assertEquals("gpt-4.1", c.model());
        assertEquals(List.of(Message.text("user", "Tell me a three sentence bedtime story about a unicorn.")),
                c.messages());
        assertFalse(c.stream());
        assertNull(q.instructions());
        assertNull(c.maxCompletionTokens());
        assertNull(c.extra());
    }

    @Test
    void instructions_lead_as_a_system_message_and_the_settings_are_carried() {
        ResponsesRequest q = read("request-instructions.json");
        ChatRequest c = q.chat();
        assertEquals("Talk like a pirate.", q.instructions());
        assertEquals(Message.text("system", "Talk like a pirate."), c.messages().get(0));
        assertEquals(Message.text("user", "Are semicolons optional in JavaScript?"), c.messages().get(1));
        assertEquals(200, c.maxCompletionTokens());
        assertEquals(200, c.outputLimit());
        assertEquals(0.7, c.temperature());
        assertEquals(0.9, c.topP());
        assertEquals(Map.of("customer", "acme", "ticket", "T-1"), c.metadata());
        assertEquals("user-1234", c.user());
    }

    @Test
    void image_parts_are_images_with_their_detail() {
        Message m = read("request-image.json").chat().messages().get(0);
        assertEquals("user", m.role());
        assertEquals(new ContentPart.Text("what is in this image?"), m.content().get(0));
        ContentPart.Image img = (ContentPart.Image) m.content().get(1);
        assertTrue(img.url().endsWith("nature-boardwalk.jpg"), img.url());
        assertEquals("auto", img.detail());
    }

    @Test
    void function_tools_are_canonical_tools_and_tool_choice_keeps_its_meaning() {
        ChatRequest c = read("request-function-calling.json").chat();
        assertEquals(1, c.tools().size());
        assertEquals("get_current_weather", c.tools().get(0).name());
        assertEquals("Get the current weather in a given location", c.tools().get(0).description());
        assertEquals(List.of("location", "unit"), List.of(c.tools().get(0).parameters().path("required").get(0).asText(),
                c.tools().get(0).parameters().path("required").get(1).asText()));
        assertNull(c.tools().get(0).strict());
        assertEquals("auto", c.toolChoice().asText());
    }

    @Test
    void function_calls_join_one_assistant_turn_and_their_outputs_are_tool_messages() {
        ChatRequest c = read("request-function-output.json").chat();
        // user, one assistant turn with both calls (the reasoning item is dropped), two tool results
        assertEquals(4, c.messages().size(), c.messages().toString());
        Message assistant = c.messages().get(1);
        assertEquals("assistant", assistant.role());
        assertNull(assistant.content());
        assertEquals(List.of(new ToolCall("call_12345xyz", "get_weather", "{\"latitude\":48.8566,\"longitude\":2.3522}"),
                new ToolCall("call_67890abc", "get_weather", "{\"latitude\":4.711,\"longitude\":-74.0721}")),
                assistant.toolCalls());
        assertEquals("tool", c.messages().get(2).role());
        assertEquals("call_12345xyz", c.messages().get(2).toolCallId());
        assertEquals("14.3", c.messages().get(2).text());
        assertEquals("call_67890abc", c.messages().get(3).toolCallId());
        assertEquals("18.1", c.messages().get(3).text());
        assertEquals(Boolean.TRUE, c.tools().get(0).strict());
        assertEquals(Boolean.TRUE, c.parallelToolCalls());
        assertEquals("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}", c.toolChoice().toString());
    }

    @Test
    void an_assistant_answer_with_text_and_a_call_is_one_turn() {
        ChatRequest c = ResponsesCodec.parseRequest(parse("""
                {"model":"m","input":[{"role":"user","content":"hi"},
                 {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me look.","annotations":[]}]},
                 {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c1","output":"ok"}]}""")).chat();
        assertEquals(3, c.messages().size());
        assertEquals("Let me look.", c.messages().get(1).text());
        assertEquals(1, c.messages().get(1).toolCalls().size());
    }

    @Test
    void text_format_json_schema_is_the_canonical_response_format() {
        ChatRequest c = read("request-json-schema.json").chat();
        assertTrue(c.wantsJson());
        assertEquals("object", c.jsonSchema().path("type").asText());
        assertEquals("calendar_event", c.responseFormat().at("/json_schema/name").asText());
        assertTrue(c.responseFormat().at("/json_schema/strict").asBoolean());
        assertEquals("system", c.messages().get(0).role());
    }

    @Test
    void text_format_json_object_and_text() {
        assertEquals("json_object", ResponsesCodec.parseRequest(parse(
                "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}}}"))
                .chat().responseFormat().path("type").asText());
        assertNull(ResponsesCodec.parseRequest(parse(
                "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"text\"}}}")).chat().responseFormat());
    }

    @Test
    void a_stream_asks_for_usage_and_openai_only_settings_travel_as_extra() {
        ChatRequest c = ResponsesCodec.parseRequest(parse("""
                {"model":"m","input":"x","stream":true,"reasoning":{"effort":"low","summary":"auto"},
                 "text":{"verbosity":"low"},"prompt_cache_key":"k1","include":["reasoning.encrypted_content"],
                 "truncation":"auto","store":false}""")).chat();
        assertTrue(c.stream());
        assertTrue(c.includeUsage());
        assertEquals("low", c.extra().path("reasoning_effort").asText());
        assertEquals("low", c.extra().path("verbosity").asText());
        assertEquals("k1", c.extra().path("prompt_cache_key").asText());
        assertFalse(c.extra().has("include"));
    }

    @Test
    void previous_response_id_is_refused_saying_detour_is_stateless() {
        WireFormatException e = assertThrows(WireFormatException.class, () -> ResponsesCodec.parseRequest(parse(
                "{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":\"resp_123\"}")));
        assertEquals("previous_response_id", e.field());
        assertTrue(e.getMessage().contains("stateless"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}|tools[0].type|web_search",
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[\"v\"]}]}|tools[0].type|file_search",
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"computer_use_preview\"}]}|tools[0].type|computer_use_preview",
            "{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"web_search_preview\"}}|tool_choice.type|web_search_preview",
            "{\"model\":\"m\",\"input\":\"x\",\"conversation\":\"conv_1\"}|conversation|stateless",
            "{\"model\":\"m\",\"input\":\"x\",\"background\":true}|background|stateless",
            "{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}|input[0].type|stateless",
            "{\"model\":\"m\",\"input\":[{\"type\":\"web_search_call\",\"id\":\"ws_1\"}]}|input[0].type|web_search_call",
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"file-1\"}]}]}|input[0].content[0].file_id|image_url",
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}|input[0].content[0].type|input_audio",
            "{\"model\":\"m\",\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}|input[0].role|tool",
            "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":{}}]}|input[0].arguments|string",
            "{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}|input[0].call_id|required",
            "{\"model\":\"m\"}|input|required",
            "{\"input\":\"x\"}|model|required",
            "{\"model\":\"m\",\"input\":5}|input|string",
            "{\"model\":\"m\",\"instructions\":\"be brief\",\"input\":[]}|input|at least one",
            "{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}|max_output_tokens|at least 1",
            "{\"model\":\"m\",\"input\":\"x\",\"temperature\":3}|temperature|between",
            "{\"model\":\"m\",\"input\":\"x\",\"store\":\"no\"}|store|boolean",
            "{\"model\":\"m\",\"input\":\"x\",\"metadata\":{\"a\":1}}|metadata.a|string",
            "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"n\"}}}|text.format.schema|required",
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"parameters\":{}}]}|tools[0].name|required",
    })
    void what_does_not_fit_is_refused_naming_the_field(String body, String field, String says) {
        WireFormatException e = assertThrows(WireFormatException.class, () -> ResponsesCodec.parseRequest(parse(body)));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    @Test
    void parsing_never_mutates_the_body() {
        JsonNode body = json("request-function-output.json");
        JsonNode copy = body.deepCopy();
        ResponsesCodec.parseRequest(body);
        assertEquals(copy, body);
    }

    // ------------------------------------------------------------------ answers

    static ChatResponse answer(String text, List<ToolCall> calls, FinishReason finish) {
        return new ChatResponse("chatcmpl-1", "gpt-4.1-2025-04-14", 1741476542L,
                List.of(new Choice(0, Message.assistant(text, calls), finish)), new Usage(36, 87, 4, 0, 2), null);
    }

    @Test
    void an_answer_is_a_response_object_with_every_field_of_the_reference_one() {
        ResponsesRequest q = read("request-text.json");
        JsonNode ref = json("response-text.json");
        String text = ref.at("/output/0/content/0/text").asText();
        ObjectNode r = ResponsesCodec.writeResponse(answer(text, List.of(), FinishReason.STOP), q,
                "resp_67ccd2be", "gpt-4.1");
        // Every field of the reference object but the ones Detour has nothing to say about.
        for (Iterator<String> it = ref.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("reasoning") && !f.equals("user")) {
                assertTrue(r.has(f), "missing " + f + " in " + r);
            }
        }
        assertEquals("resp_67ccd2be", r.path("id").asText());
        assertEquals("response", r.path("object").asText());
        assertEquals(1741476542L, r.path("created_at").asLong());
        assertEquals("completed", r.path("status").asText());
        assertEquals("gpt-4.1", r.path("model").asText());
        assertFalse(r.path("store").asBoolean(true), "nothing is stored");
        assertTrue(r.path("previous_response_id").isNull());
        assertEquals("msg_67ccd2be", r.at("/output/0/id").asText());
        assertEquals(ref.at("/output/0/type"), r.at("/output/0/type"));
        assertEquals(ref.at("/output/0/role"), r.at("/output/0/role"));
        assertEquals(ref.at("/output/0/status"), r.at("/output/0/status"));
        assertEquals(ref.at("/output/0/content/0/type"), r.at("/output/0/content/0/type"));
        assertEquals(ref.at("/output/0/content/0/text"), r.at("/output/0/content/0/text"));
        assertTrue(r.at("/output/0/content/0/annotations").isArray());
        assertEquals(ref.path("text"), r.path("text"));
        assertEquals(ref.path("tool_choice"), r.path("tool_choice"));
        assertEquals(ref.path("tools"), r.path("tools"));
        assertEquals(36, r.at("/usage/input_tokens").asInt());
        assertEquals(4, r.at("/usage/input_tokens_details/cached_tokens").asInt());
        assertEquals(87, r.at("/usage/output_tokens").asInt());
        assertEquals(2, r.at("/usage/output_tokens_details/reasoning_tokens").asInt());
        assertEquals(123, r.at("/usage/total_tokens").asInt());
    }

    @Test
    void tool_calls_are_function_call_items_with_the_provider_call_ids() {
        ResponsesRequest q = read("request-function-calling.json");
        ObjectNode r = ResponsesCodec.writeResponse(answer(null,
                List.of(new ToolCall("call_abc", "get_current_weather", "{\"location\":\"Boston, MA\",\"unit\":\"celsius\"}"),
                        new ToolCall(null, "get_current_weather", "{}")), FinishReason.TOOL_CALLS), q, "resp_1", null);
        assertEquals("completed", r.path("status").asText());
        assertEquals(2, r.path("output").size(), r.toString());
        JsonNode fc = r.at("/output/0");
        assertEquals("function_call", fc.path("type").asText());
        assertEquals("call_abc", fc.path("call_id").asText());
        assertEquals("fc_1_0", fc.path("id").asText());
        assertEquals("get_current_weather", fc.path("name").asText());
        assertEquals("{\"location\":\"Boston, MA\",\"unit\":\"celsius\"}", fc.path("arguments").asText());
        assertEquals("completed", fc.path("status").asText());
        assertEquals("call_1_1", r.at("/output/1/call_id").asText(), "a call without an id gets one");
        assertEquals("gpt-4.1-2025-04-14", r.path("model").asText());
        // The request's tools echoed in the Responses shape
        assertEquals("function", r.at("/tools/0/type").asText());
        assertEquals("get_current_weather", r.at("/tools/0/name").asText());
        assertEquals("object", r.at("/tools/0/parameters/type").asText());
    }

    @Test
    void an_answer_cut_by_its_limit_is_incomplete_saying_why() {
        ObjectNode r = ResponsesCodec.writeResponse(answer("Once upon", List.of(), FinishReason.LENGTH),
                read("request-instructions.json"), "resp_2", "m");
        assertEquals("incomplete", r.path("status").asText());
        assertEquals("max_output_tokens", r.at("/incomplete_details/reason").asText());
        assertEquals("incomplete", r.at("/output/0/status").asText());
        assertEquals("Talk like a pirate.", r.path("instructions").asText());
        assertEquals(200, r.path("max_output_tokens").asInt());
        assertEquals("acme", r.at("/metadata/customer").asText());
        assertEquals(0.7, r.path("temperature").asDouble());
        assertEquals("user-1234", r.path("user").asText());
    }

    @Test
    void the_json_schema_format_is_echoed_in_the_responses_shape() {
        ObjectNode r = ResponsesCodec.writeResponse(answer("{}", List.of(), FinishReason.STOP),
                read("request-json-schema.json"), "resp_3", "m");
        JsonNode want = json("request-json-schema.json").path("text");
        assertEquals(want, r.path("text"));
    }

    @Test
    void reasoning_and_refusal_have_their_own_item_and_part() {
        Message m = new Message("assistant", List.of(new ContentPart.Text("No.")), true, null, List.of(), null,
                "thinking it over", "I can't help with that.");
        ChatResponse a = new ChatResponse("x", "m", 1L, List.of(new Choice(0, m, FinishReason.STOP)), null, null);
        ObjectNode r = ResponsesCodec.writeResponse(a, read("request-text.json"), "resp_4", "m");
        assertEquals("reasoning", r.at("/output/0/type").asText());
        assertEquals("rs_4", r.at("/output/0/id").asText());
        assertEquals("thinking it over", r.at("/output/0/content/0/text").asText());
        assertEquals("refusal", r.at("/output/1/content/1/type").asText());
        assertEquals("I can't help with that.", r.at("/output/1/content/1/refusal").asText());
        assertFalse(r.has("usage"), "no usage reported, none invented");
    }

    @Test
    void ids_are_fresh_resp_ids() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(ResponsesCodec.newId());
        }
        assertTrue(ids.get(0).matches("resp_[0-9a-f]{32}"), ids.get(0));
        assertEquals(3, ids.stream().distinct().count());
    }
}
