package dev.detour.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicCodecOutboundTest {

    private static final int DEFAULT_MAX_TOKENS = 4096;

    private static ChatRequest.Builder request(Message... messages) {
        return ChatRequest.builder("claude-sonnet-4-5", List.of(messages));
    }

    private static JsonNode translate(ChatRequest r) {
        return AnthropicCodec.writeRequest(r, DEFAULT_MAX_TOKENS);
    }

    private static Message toolMessage(String callId, String text) {
        return new Message("tool", List.of(new ContentPart.Text(text)), true, null, List.of(), callId, null, null);
    }

    private static Message userParts(ContentPart... parts) {
        return new Message("user", List.of(parts), false, null, List.of(), null, null, null);
    }

    private static JsonNode weatherSchema() {
        return Fixtures.json("request-tool-use.json").path("tools").get(0).path("input_schema");
    }

    // ---- canonical -> Anthropic, against the documented request examples ----------------------

    @Test
    void translates_documented_basic_streaming_request() {
        ChatRequest r = request(Message.text("user", "Hello")).maxTokens(256).stream(true).build();

        assertEquals(Fixtures.json("request-basic-stream.json"), translate(r));
    }

    @Test
    void translates_documented_tool_use_request() {
        ChatRequest r = request(Message.text("user", "What is the weather like in San Francisco?"))
                .maxTokens(1024).stream(true)
                .tools(List.of(new Tool("get_weather", "Get the current weather in a given location", weatherSchema(), null)))
                .toolChoice(Fixtures.JSON.getNodeFactory().textNode("required"))
                .build();

        assertEquals(Fixtures.json("request-tool-use.json"), translate(r));
    }

    @Test
    void lifts_system_and_developer_messages_to_top_level_system() {
        ChatRequest r = request(Message.text("system", "You are terse."), Message.text("user", "Hi"),
                Message.text("developer", "Answer in French.")).build();

        JsonNode body = translate(r);

        assertEquals("You are terse.\n\nAnswer in French.", body.path("system").asText());
        assertEquals(1, body.path("messages").size());
        assertEquals("user", body.path("messages").get(0).path("role").asText());
    }

    @Test
    void sends_default_max_tokens_when_client_gave_none() {
        JsonNode body = AnthropicCodec.writeRequest(request(Message.text("user", "Hi")).build(), 777);

        assertEquals(777, body.path("max_tokens").asInt());
    }

    @Test
    void prefers_max_completion_tokens_over_max_tokens() {
        JsonNode body = translate(request(Message.text("user", "Hi")).maxTokens(10).maxCompletionTokens(20).build());

        assertEquals(20, body.path("max_tokens").asInt());
    }

    @Test
    void merges_consecutive_same_role_messages() {
        ChatRequest r = request(Message.text("user", "one"), Message.text("user", "two"),
                Message.text("assistant", "three"), Message.text("assistant", "four")).build();

        JsonNode messages = translate(r).path("messages");

        assertEquals(2, messages.size());
        assertEquals("user", messages.get(0).path("role").asText());
        assertEquals("one", messages.get(0).path("content").get(0).path("text").asText());
        assertEquals("two", messages.get(0).path("content").get(1).path("text").asText());
        assertEquals("assistant", messages.get(1).path("role").asText());
        assertEquals(2, messages.get(1).path("content").size());
    }

    @Test
    void round_trips_a_tool_call_and_merges_its_results_into_one_user_turn() {
        Message call = Message.assistant("", List.of(
                new ToolCall("toolu_1", "get_weather", "{\"location\":\"Paris\"}"),
                new ToolCall("toolu_2", "get_weather", "{\"location\":\"Rome\"}")));
        ChatRequest r = request(Message.text("user", "Weather in Paris and Rome?"), call,
                toolMessage("toolu_1", "15 C"), toolMessage("toolu_2", "20 C"), Message.text("user", "Thanks")).build();

        JsonNode messages = translate(r).path("messages");

        assertEquals(3, messages.size());
        JsonNode assistant = messages.get(1);
        assertEquals("assistant", assistant.path("role").asText());
        assertEquals(2, assistant.path("content").size(), "the empty text part is skipped");
        JsonNode use = assistant.path("content").get(0);
        assertEquals("tool_use", use.path("type").asText());
        assertEquals("toolu_1", use.path("id").asText());
        assertEquals("get_weather", use.path("name").asText());
        assertEquals(Fixtures.parse("{\"location\":\"Paris\"}"), use.path("input"));
        JsonNode results = messages.get(2);
        assertEquals("user", results.path("role").asText());
        assertEquals(3, results.path("content").size());
        assertEquals("tool_result", results.path("content").get(0).path("type").asText());
        assertEquals("toolu_1", results.path("content").get(0).path("tool_use_id").asText());
        assertEquals("15 C", results.path("content").get(0).path("content").asText());
        assertEquals("toolu_2", results.path("content").get(1).path("tool_use_id").asText());
        assertEquals("text", results.path("content").get(2).path("type").asText());
    }

    @Test
    void drops_an_empty_assistant_message() {
        ChatRequest r = request(Message.text("user", "one"), Message.assistant("", List.of()),
                Message.text("user", "two")).build();

        JsonNode messages = translate(r).path("messages");

        assertEquals(1, messages.size());
        assertEquals(2, messages.get(0).path("content").size());
    }

    @Test
    void sends_invalid_tool_arguments_as_empty_input() {
        Message call = Message.assistant(null, List.of(new ToolCall("toolu_1", "f", "{not json")));
        ChatRequest r = request(Message.text("user", "go"), call, toolMessage("toolu_1", "ok")).build();

        JsonNode use = translate(r).path("messages").get(1).path("content").get(0);

        assertTrue(use.path("input").isObject());
        assertEquals(0, use.path("input").size());
    }

    @Test
    void data_url_image_becomes_base64_source() {
        ChatRequest r = request(userParts(new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null),
                new ContentPart.Text("What is this?"))).build();

        JsonNode image = translate(r).path("messages").get(0).path("content").get(0);

        assertEquals(Fixtures.parse("{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\","
                + "\"data\":\"iVBORw0KGgo=\"}}"), image);
    }

    @Test
    void https_image_becomes_url_source() {
        ChatRequest r = request(userParts(new ContentPart.Image("https://example.com/cat.jpg", "high"))).build();

        JsonNode image = translate(r).path("messages").get(0).path("content").get(0);

        assertEquals(Fixtures.parse("{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/cat.jpg\"}}"),
                image);
    }

    @Test
    void an_image_url_no_provider_can_fetch_is_an_invalid_request() {
        for (String url : new String[] {"file:///home/me/cat.png", "ftp://example.com/cat.png", "cat.png"}) {
            ChatRequest r = request(userParts(new ContentPart.Image(url, null))).build();

            ProviderException e = assertThrows(ProviderException.class, () -> translate(r));

            assertEquals(ErrorKind.INVALID_REQUEST, e.kind(), url);
            assertTrue(e.getMessage().startsWith("messages[0]: image URLs must be http(s): or data: URLs"), e.getMessage());
        }
    }

    @Test
    void refuses_other_content_parts_as_unsupported() {
        ChatRequest r = request(userParts(new ContentPart.Other("input_audio", Fixtures.parse("{}")))).build();

        ProviderException e = assertThrows(ProviderException.class, () -> translate(r));

        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
    }

    @Test
    void refuses_more_than_one_choice_as_unsupported() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> translate(request(Message.text("user", "Hi")).n(2).build()));

        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"auto\"                                          | {\"type\":\"auto\"}",
            "\"required\"                                      | {\"type\":\"any\"}",
            "\"none\"                                          | {\"type\":\"none\"}",
            "{\"type\":\"function\",\"function\":{\"name\":\"f\"}} | {\"type\":\"tool\",\"name\":\"f\"}"})
    void maps_tool_choice(String openAi, String anthropic) {
        ChatRequest r = request(Message.text("user", "Hi")).tools(List.of(new Tool("f", null, null, null)))
                .toolChoice(Fixtures.parse(openAi)).build();

        assertEquals(Fixtures.parse(anthropic), translate(r).path("tool_choice"));
    }

    @Test
    void disables_parallel_tool_use_when_parallel_tool_calls_is_false() {
        ChatRequest r = request(Message.text("user", "Hi")).tools(List.of(new Tool("f", null, null, null)))
                .parallelToolCalls(false).build();

        assertEquals(Fixtures.parse("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"),
                translate(r).path("tool_choice"));
    }

    @Test
    void gives_a_tool_without_parameters_an_empty_object_schema() {
        ChatRequest r = request(Message.text("user", "Hi")).tools(List.of(new Tool("f", null, null, null))).build();

        assertEquals(Fixtures.parse("{\"name\":\"f\",\"input_schema\":{\"type\":\"object\",\"properties\":{}}}"),
                translate(r).path("tools").get(0));
    }

    @Test
    void emulates_json_object_with_a_system_instruction() {
        ChatRequest r = request(Message.text("system", "Be kind."), Message.text("user", "List two colours"))
                .responseFormat(Fixtures.parse("{\"type\":\"json_object\"}")).build();

        assertEquals("Be kind.\n\n" + AnthropicCodec.JSON_INSTRUCTION, translate(r).path("system").asText());
    }

    @Test
    void emulates_json_schema_with_the_schema_in_the_system_prompt() {
        ChatRequest r = request(Message.text("user", "Colour?")).responseFormat(Fixtures.parse(
                "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"c\",\"schema\":{\"type\":\"object\"}}}")).build();

        String system = translate(r).path("system").asText();

        assertTrue(system.startsWith(AnthropicCodec.JSON_INSTRUCTION));
        assertTrue(system.endsWith(AnthropicCodec.JSON_SCHEMA_INSTRUCTION + "\n{\"type\":\"object\"}"), system);
    }

    @Test
    void clamps_temperature_to_anthropic_range() {
        JsonNode body = translate(request(Message.text("user", "Hi")).temperature(1.7).build());

        assertEquals(1.0, body.path("temperature").asDouble());
    }

    @Test
    void maps_sampling_stop_and_user_fields_and_ignores_seed() {
        ChatRequest r = request(Message.text("user", "Hi")).topP(0.7).stop(List.of("END"))
                .user("user-42").seed(7L).build();

        JsonNode body = translate(r);

        assertEquals(0.7, body.path("top_p").asDouble());
        assertEquals(Fixtures.parse("[\"END\"]"), body.path("stop_sequences"));
        assertEquals("user-42", body.path("metadata").path("user_id").asText());
        assertFalse(body.has("seed"));
        assertFalse(body.has("stream"));
    }

    @Test
    void passes_thinking_and_top_k_extras_through() {
        ObjectNode extra = (ObjectNode) Fixtures.parse("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":16000},"
                + "\"top_k\":5,\"logprobs\":true}");

        JsonNode body = translate(request(Message.text("user", "Hi")).extra(extra).build());

        assertEquals(16000, body.path("thinking").path("budget_tokens").asInt());
        assertEquals(5, body.path("top_k").asInt());
        assertFalse(body.has("logprobs"));
    }

    @Test
    void translation_never_mutates_the_request() {
        ObjectNode extra = (ObjectNode) Fixtures.parse("{\"top_k\":5}");
        Message call = Message.assistant(null, List.of(new ToolCall("t", "f", "{\"a\":1}")));
        ChatRequest r = request(Message.text("system", "S"), Message.text("user", "Hi"), call, toolMessage("t", "ok"))
                .tools(List.of(new Tool("f", null, weatherSchema(), null))).extra(extra).build();
        JsonNode schemaBefore = weatherSchema();

        JsonNode first = translate(r);
        ((ObjectNode) first.path("tools").get(0).path("input_schema")).put("mutated", true);
        ((ObjectNode) first).put("top_k", 99);

        assertEquals(Fixtures.parse("{\"top_k\":5}"), r.extra());
        assertEquals(schemaBefore, r.tools().get(0).parameters());
        assertEquals(5, translate(r).path("top_k").asInt());
    }

    // ---- Anthropic -> canonical --------------------------------------------------------------

    @Test
    void maps_documented_text_response() {
        ChatResponse r = AnthropicCodec.parseResponse(Fixtures.json("response-text.json"), 1700000000L);

        assertEquals("msg_013Zva2CMHLNnXjNJJKqJ2EF", r.id());
        assertEquals("claude-sonnet-4-5-20250929", r.model());
        assertEquals(1700000000L, r.created());
        assertEquals("Hi! My name is Claude.", r.text());
        assertEquals("assistant", r.choices().get(0).message().role());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(Usage.of(2095, 503), r.usage());
    }

    @Test
    void maps_tool_use_blocks_to_tool_calls_and_counts_cache_tokens_as_prompt_tokens() {
        ChatResponse r = AnthropicCodec.parseResponse(Fixtures.json("response-tool-use.json"), 0);

        Message m = r.choices().get(0).message();
        assertEquals("Let me look that up.", m.text());
        assertEquals(List.of(new ToolCall("toolu_01D7FLrfh4GYq7yT1ULFeyMV", "get_stock_price", "{\"ticker\":\"^GSPC\"}")),
                m.toolCalls());
        assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
        assertEquals(new Usage(472 + 2000 + 100, 89, 2000, 100, 0), r.usage());
    }

    @Test
    void maps_thinking_blocks_to_reasoning() {
        ChatResponse r = AnthropicCodec.parseResponse(Fixtures.json("response-thinking.json"), 0);

        Message m = r.choices().get(0).message();
        assertEquals("27 * 453 = 12,231", m.text());
        assertEquals("Let me solve this step by step:\n\n1. First break down 27 * 453", m.reasoning());
    }

    @Test
    void a_tool_only_answer_has_no_text_content() {
        JsonNode body = Fixtures.parse("{\"id\":\"m\",\"model\":\"c\",\"stop_reason\":\"tool_use\",\"content\":["
                + "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}");

        Message m = AnthropicCodec.parseResponse(body, 0).choices().get(0).message();

        assertNull(m.content());
        assertEquals("{}", m.toolCalls().get(0).arguments());
    }

    @ParameterizedTest
    @CsvSource({"end_turn,STOP", "stop_sequence,STOP", "pause_turn,STOP", "max_tokens,LENGTH",
            "model_context_window_exceeded,LENGTH", "tool_use,TOOL_CALLS", "refusal,CONTENT_FILTER",
            "something_new,STOP"})
    void maps_stop_reason(String stopReason, FinishReason expected) {
        assertEquals(expected, AnthropicCodec.finishReason(stopReason));
    }

    @Test
    void rejects_a_body_that_is_not_a_message() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> AnthropicCodec.parseResponse(Fixtures.parse("{\"foo\":1}"), 0));

        assertEquals(ErrorKind.UNKNOWN, e.kind());
    }
}
