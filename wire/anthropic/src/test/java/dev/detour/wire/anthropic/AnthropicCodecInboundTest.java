package dev.detour.wire.anthropic;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.SseDecoder;
import dev.detour.wire.http.WireFormatException;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicCodecInboundTest {

    static JsonNode fixture(String name) throws IOException {
        try (InputStream in = AnthropicCodecInboundTest.class.getResourceAsStream("/anthropic-inbound/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return WireJson.MAPPER.readTree(in);
        }
    }

    static JsonNode json(String text) {
        try {
            return WireJson.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static WireFormatException rejects(String body) {
        return assertThrows(WireFormatException.class, () -> AnthropicCodec.parseRequest(json(body)));
    }

    // ================================================================== request

    @Test
    void parses_the_documented_basic_request() throws IOException {
        ChatRequest r = AnthropicCodec.parseRequest(fixture("request-basic.json"));

        assertEquals("claude-sonnet-4-5", r.model());
        assertEquals(1024, r.maxTokens());
        assertEquals(1, r.messages().size());
        Message m = r.messages().get(0);
        assertEquals("user", m.role());
        assertEquals("Hello, world", m.text());
        assertTrue(m.textContent());
        assertFalse(r.stream());
        assertTrue(r.tools().isEmpty());
        assertNull(r.toolChoice());
        assertNull(r.extra());
    }

    @Test
    void turns_system_blocks_into_one_system_message_and_maps_sampling_fields() throws IOException {
        ChatRequest r = AnthropicCodec.parseRequest(fixture("request-multi-turn-system-blocks.json"));

        assertEquals("support-agent", r.model());
        assertEquals(List.of("system", "user", "assistant", "user"),
                r.messages().stream().map(Message::role).toList());
        assertEquals("You are a helpful assistant.\n\nAnswer briefly.", r.messages().get(0).text());
        assertEquals("Hi, I'm Claude. How can I help you?", r.messages().get(2).text());
        assertEquals(List.of("\n\nHuman:"), r.stop());
        assertEquals(0.5, r.temperature());
        assertEquals(0.9, r.topP());
        assertEquals(40, r.extra().get("top_k").asInt());
        assertEquals("user-1234", r.user());
        assertTrue(r.stream());
        assertTrue(r.includeUsage(), "a stream asks targets for usage so message_delta can report it");
    }

    @Test
    void accepts_a_system_string() {
        ChatRequest r = AnthropicCodec.parseRequest(json("""
                {"model":"m","max_tokens":5,"system":"Be terse.","messages":[{"role":"user","content":"hi"}]}"""));
        assertEquals("system", r.messages().get(0).role());
        assertEquals("Be terse.", r.messages().get(0).text());
    }

    @Test
    void maps_base64_and_url_images_to_image_parts() throws IOException {
        ChatRequest r = AnthropicCodec.parseRequest(fixture("request-images.json"));

        List<ContentPart> parts = r.messages().get(0).content();
        assertEquals(3, parts.size());
        ContentPart.Image b64 = assertInstanceOf(ContentPart.Image.class, parts.get(0));
        assertEquals("data:image/jpeg;base64,/9j/4AAQSkZJRg==", b64.url());
        assertEquals("image/jpeg", b64.dataMediaType());
        ContentPart.Image url = assertInstanceOf(ContentPart.Image.class, parts.get(1));
        assertEquals("https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg",
                url.url());
        assertEquals("Compare these images.", assertInstanceOf(ContentPart.Text.class, parts.get(2)).text());
        assertTrue(r.hasImages());
    }

    @Test
    void translates_a_tool_use_round_trip_into_tool_calls_and_tool_messages() throws IOException {
        ChatRequest r = AnthropicCodec.parseRequest(fixture("request-tool-round-trip.json"));

        assertEquals(1, r.tools().size());
        assertEquals("get_weather", r.tools().get(0).name());
        assertEquals("Get the current weather in a given location", r.tools().get(0).description());
        assertEquals("object", r.tools().get(0).parameters().path("type").asText());
        assertEquals("auto", r.toolChoice().asText());
        assertEquals(Boolean.FALSE, r.parallelToolCalls());

        assertEquals(List.of("user", "assistant", "tool", "user"),
                r.messages().stream().map(Message::role).toList());
        Message assistant = r.messages().get(1);
        assertEquals("I'll check the current weather in San Francisco for you.", assistant.text());
        assertNull(assistant.reasoning(), "thinking blocks are dropped");
        assertEquals(1, assistant.toolCalls().size());
        ToolCall call = assistant.toolCalls().get(0);
        assertEquals("toolu_01A09q90qw90lq917835lq9", call.id());
        assertEquals("get_weather", call.name());
        assertEquals(json("{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"), json(call.arguments()));

        Message tool = r.messages().get(2);
        assertEquals("toolu_01A09q90qw90lq917835lq9", tool.toolCallId());
        assertEquals("15 degrees", tool.text());
        assertEquals("And should I bring an umbrella?", r.messages().get(3).text());
    }

    @Test
    void keeps_every_tool_result_and_notes_errors_in_the_text() throws IOException {
        ChatRequest r = AnthropicCodec.parseRequest(fixture("request-tool-result-blocks-error.json"));

        assertEquals(List.of("user", "assistant", "tool", "tool"),
                r.messages().stream().map(Message::role).toList());
        Message assistant = r.messages().get(1);
        assertNull(assistant.content(), "an assistant turn of only tool calls has no content");
        assertEquals(List.of("toolu_01", "toolu_02"), assistant.toolCalls().stream().map(ToolCall::id).toList());
        assertEquals("toolu_01", r.messages().get(2).toolCallId());
        assertEquals("18 degrees\nsunny", r.messages().get(2).text());
        assertEquals("toolu_02", r.messages().get(3).toolCallId());
        assertTrue(r.messages().get(3).text().startsWith("Error: ConnectionError"), r.messages().get(3).text());
    }

    @Test
    void maps_every_tool_choice_type() {
        String base = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":";
        assertEquals(json("\"auto\""), AnthropicCodec.parseRequest(json(base + "{\"type\":\"auto\"}}")).toolChoice());
        assertEquals(json("\"required\""), AnthropicCodec.parseRequest(json(base + "{\"type\":\"any\"}}")).toolChoice());
        assertEquals(json("\"none\""), AnthropicCodec.parseRequest(json(base + "{\"type\":\"none\"}}")).toolChoice());
        ChatRequest named = AnthropicCodec.parseRequest(json(base + "{\"type\":\"tool\",\"name\":\"get_weather\"}}"));
        assertEquals(json("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"), named.toolChoice());
        assertNull(named.parallelToolCalls(), "parallel calls stay the target's default unless disabled");
        ChatRequest serial = AnthropicCodec.parseRequest(
                json(base + "{\"type\":\"any\",\"disable_parallel_tool_use\":true}}"));
        assertEquals(Boolean.FALSE, serial.parallelToolCalls());
    }

    @Test
    void passes_thinking_config_through_extra() {
        ChatRequest r = AnthropicCodec.parseRequest(json("""
                {"model":"m","max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":1024},
                 "messages":[{"role":"user","content":"27 * 453?"}]}"""));
        assertEquals(1024, r.extra().path("thinking").path("budget_tokens").asInt());
    }

    @Test
    void rejects_a_missing_max_tokens_naming_the_field() {
        WireFormatException e = rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals("max_tokens", e.field());
        assertTrue(e.getMessage().startsWith("max_tokens: "), e.getMessage());
    }

    @Test
    void rejects_schema_violations_naming_the_field() {
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        assertEquals("model", rejects("{\"max_tokens\":5," + msgs + "}").field());
        assertEquals("max_tokens", rejects("{\"model\":\"m\",\"max_tokens\":\"5\"," + msgs + "}").field());
        assertEquals("max_tokens", rejects("{\"model\":\"m\",\"max_tokens\":0," + msgs + "}").field());
        assertEquals("messages", rejects("{\"model\":\"m\",\"max_tokens\":5}").field());
        assertEquals("messages", rejects("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}").field());
        assertEquals("messages[0].role",
                rejects("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}").field());
        assertEquals("messages[0].content",
                rejects("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\"}]}").field());
        assertEquals("messages[0].content[0].type", rejects("{\"model\":\"m\",\"max_tokens\":5,\"messages\":"
                + "[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}").field());
        assertEquals("messages[0].content[0].source.type", rejects("{\"model\":\"m\",\"max_tokens\":5,\"messages\":"
                + "[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"file\"}}]}]}").field());
        assertEquals("messages[0].content[0].tool_use_id", rejects("{\"model\":\"m\",\"max_tokens\":5,\"messages\":"
                + "[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":\"x\"}]}]}").field());
        assertEquals("system", rejects("{\"model\":\"m\",\"max_tokens\":5,\"system\":5," + msgs + "}").field());
        assertEquals("temperature", rejects("{\"model\":\"m\",\"max_tokens\":5,\"temperature\":1.5," + msgs + "}").field());
        assertEquals("tools[0].input_schema",
                rejects("{\"model\":\"m\",\"max_tokens\":5,\"tools\":[{\"name\":\"t\"}]," + msgs + "}").field());
        assertEquals("tools[0].type", rejects("{\"model\":\"m\",\"max_tokens\":5,\"tools\":"
                + "[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]," + msgs + "}").field());
        assertEquals("tool_choice.type",
                rejects("{\"model\":\"m\",\"max_tokens\":5,\"tool_choice\":{\"type\":\"some\"}," + msgs + "}").field());
        assertEquals("tool_choice.name",
                rejects("{\"model\":\"m\",\"max_tokens\":5,\"tool_choice\":{\"type\":\"tool\"}," + msgs + "}").field());
        assertEquals("stop_sequences[0]",
                rejects("{\"model\":\"m\",\"max_tokens\":5,\"stop_sequences\":[1]," + msgs + "}").field());
        assertEquals("stream", rejects("{\"model\":\"m\",\"max_tokens\":5,\"stream\":\"yes\"," + msgs + "}").field());
        assertNull(rejects("[1]").field());
    }

    // ================================================================== response

    static ChatResponse response(String id, Message m, FinishReason finish, Usage usage) {
        return new ChatResponse(id, "gpt-4o-2024-08-06", 1_700_000_000L, List.of(new Choice(0, m, finish)), usage, null);
    }

    @Test
    void writes_a_text_answer_in_the_documented_shape() {
        ObjectNode out = AnthropicCodec.writeResponse(response("chatcmpl-123",
                Message.assistant("Hi! My name is Claude.", List.of()), FinishReason.STOP, Usage.of(10, 25)), "gpt-4o");

        assertEquals(json("""
                {"id":"msg_chatcmpl-123","type":"message","role":"assistant","model":"gpt-4o",
                 "content":[{"type":"text","text":"Hi! My name is Claude."}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":10,"output_tokens":25}}"""), out);
    }

    @Test
    void keeps_an_anthropic_message_id_and_generates_one_when_missing() {
        Message m = Message.assistant("x", List.of());
        assertEquals("msg_013Zva2CMHLNnXjNJJKqJ2EF", AnthropicCodec.writeResponse(
                response("msg_013Zva2CMHLNnXjNJJKqJ2EF", m, FinishReason.STOP, null), "m").get("id").asText());
        String generated = AnthropicCodec.writeResponse(response(null, m, FinishReason.STOP, null), "m").get("id").asText();
        assertTrue(generated.startsWith("msg_") && generated.length() > 10, generated);
    }

    @Test
    void writes_tool_calls_as_tool_use_blocks_with_parsed_input() {
        Message m = Message.assistant("Let me look that up.", List.of(
                new ToolCall("call_abc", "get_stock_price", "{\"ticker\":\"^GSPC\"}"),
                new ToolCall("call_def", "broken", "{\"ticker\":")));
        ObjectNode out = AnthropicCodec.writeResponse(response("x", m, FinishReason.TOOL_CALLS, Usage.of(5, 7)), "m");

        JsonNode content = out.get("content");
        assertEquals(3, content.size());
        assertEquals("text", content.get(0).get("type").asText());
        assertEquals(json("""
                {"type":"tool_use","id":"call_abc","name":"get_stock_price","input":{"ticker":"^GSPC"}}"""),
                content.get(1));
        assertEquals(json("{}"), content.get(2).get("input"), "invalid argument JSON becomes {}");
        assertEquals("tool_use", out.get("stop_reason").asText());
    }

    @Test
    void omits_the_text_block_of_a_tool_only_answer() {
        Message m = Message.assistant(null, List.of(new ToolCall("call_1", "f", "{}")));
        JsonNode content = AnthropicCodec.writeResponse(response("x", m, FinishReason.TOOL_CALLS, null), "m")
                .get("content");
        assertEquals(1, content.size());
        assertEquals("tool_use", content.get(0).get("type").asText());
    }

    @Test
    void writes_reasoning_as_a_leading_thinking_block() {
        Message m = new Message("assistant", List.of(new ContentPart.Text("27 * 453 = 12,231")), true, null,
                List.of(), null, "Let me solve this step by step", null);
        JsonNode content = AnthropicCodec.writeResponse(response("x", m, FinishReason.STOP, null), "m").get("content");
        assertEquals("thinking", content.get(0).get("type").asText());
        assertEquals("Let me solve this step by step", content.get(0).get("thinking").asText());
        assertEquals("text", content.get(1).get("type").asText());
    }

    @Test
    void maps_every_finish_reason_to_a_stop_reason() {
        assertEquals("end_turn", AnthropicCodec.stopReason(FinishReason.STOP));
        assertEquals("max_tokens", AnthropicCodec.stopReason(FinishReason.LENGTH));
        assertEquals("tool_use", AnthropicCodec.stopReason(FinishReason.TOOL_CALLS));
        assertEquals("tool_use", AnthropicCodec.stopReason(FinishReason.FUNCTION_CALL));
        assertEquals("refusal", AnthropicCodec.stopReason(FinishReason.CONTENT_FILTER));
        assertEquals("end_turn", AnthropicCodec.stopReason(null));
    }

    @Test
    void reports_cache_reads_and_writes_apart_from_uncached_input() {
        // The plugin's fixture response-tool-use.json: 472 uncached + 2000 read + 100 written = 2572 canonical.
        ObjectNode out = AnthropicCodec.writeResponse(response("x", Message.assistant("ok", List.of()),
                FinishReason.STOP, new Usage(2572, 89, 2000, 100, 0)), "m");
        assertEquals(json("""
                {"input_tokens":472,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,
                 "output_tokens":89}"""), out.get("usage"));
    }

    // ================================================================== stream

    record Event(String type, JsonNode data) {
    }

    static List<Event> decode(Buffer... buffers) {
        List<Event> events = new ArrayList<>();
        SseDecoder d = new SseDecoder((type, data) -> events.add(new Event(type, json(data))));
        for (Buffer b : buffers) {
            d.feed(b);
        }
        for (Event e : events) {
            assertEquals(e.type(), e.data().get("type").asText(), "event name and data type agree");
        }
        return events;
    }

    static List<Event> encode(AnthropicStreamEncoder enc, ChatChunk... chunks) {
        List<Buffer> out = new ArrayList<>();
        for (ChatChunk c : chunks) {
            out.add(enc.chunk(c));
        }
        out.add(enc.finish());
        return decode(out.toArray(new Buffer[0]));
    }

    static List<String> types(List<Event> events) {
        return events.stream().map(Event::type).toList();
    }

    static ChatChunk chunk(String text, String reasoning, List<ToolCallDelta> tools, FinishReason finish, Usage usage) {
        return new ChatChunk("chatcmpl-1", "gpt-4o", 1L, 0, null, text, reasoning, tools, finish, usage, null);
    }

    static ChatChunk role() {
        return new ChatChunk("chatcmpl-1", "gpt-4o", 1L, 0, "assistant", null, null, List.of(), null, null, null);
    }

    @Test
    void encodes_a_text_answer_as_one_text_block_between_message_start_and_stop() {
        List<Event> ev = encode(new AnthropicStreamEncoder("gpt-4o"), role(),
                chunk("Hello", null, List.of(), null, null),
                chunk("!", null, List.of(), null, null),
                chunk(null, null, List.of(), FinishReason.STOP, null),
                chunk(null, null, List.of(), null, Usage.of(12, 3)));

        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop"), types(ev));
        JsonNode msg = ev.get(0).data().get("message");
        assertEquals("msg_chatcmpl-1", msg.get("id").asText());
        assertEquals("message", msg.get("type").asText());
        assertEquals("assistant", msg.get("role").asText());
        assertEquals("gpt-4o", msg.get("model").asText());
        assertEquals(0, msg.get("content").size());
        assertTrue(msg.get("stop_reason").isNull());
        assertEquals(0, msg.get("usage").get("input_tokens").asInt());
        assertEquals(json("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                ev.get(1).data());
        assertEquals(json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}"),
                ev.get(2).data());
        assertEquals(0, ev.get(4).data().get("index").asInt());
        JsonNode delta = ev.get(5).data();
        assertEquals("end_turn", delta.get("delta").get("stop_reason").asText());
        assertTrue(delta.get("delta").get("stop_sequence").isNull());
        assertEquals(3, delta.get("usage").get("output_tokens").asInt());
        assertEquals(12, delta.get("usage").get("input_tokens").asInt());
    }

    @Test
    void extension_fields_go_on_the_message_delta_beside_the_usage() {
        AnthropicStreamEncoder enc = new AnthropicStreamEncoder("m");
        Buffer body = enc.chunk(chunk("Hi", null, List.of(), FinishReason.STOP, Usage.of(4, 2)));
        ObjectNode ext = json("{\"resumed\":[{\"from\":\"a/m\",\"to\":\"b/m\"}]}").deepCopy();

        List<Event> ev = decode(body, enc.finish(Map.of("detour", ext)));

        JsonNode md = ev.get(ev.size() - 2).data();
        assertEquals("message_delta", md.get("type").asText());
        assertEquals(ext, md.get("detour"));
        assertEquals(2, md.get("usage").get("output_tokens").asInt());
        assertEquals(0, enc.finish(Map.of("detour", ext)).length(), "a finished stream says nothing more");
    }

    @Test
    void reports_input_tokens_in_message_start_when_usage_came_first() {
        List<Event> ev = encode(new AnthropicStreamEncoder("m"),
                chunk("Hi", null, List.of(), null, Usage.of(25, 1)),
                chunk(null, null, List.of(), FinishReason.LENGTH, Usage.of(25, 9)));
        assertEquals(25, ev.get(0).data().get("message").get("usage").get("input_tokens").asInt());
        JsonNode md = ev.get(ev.size() - 2).data();
        assertEquals("max_tokens", md.get("delta").get("stop_reason").asText());
        assertEquals(9, md.get("usage").get("output_tokens").asInt());
    }

    @Test
    void closes_the_text_block_before_opening_a_tool_use_block() {
        List<Event> ev = encode(new AnthropicStreamEncoder("m"),
                chunk("Okay, let's check:", null, List.of(), null, null),
                chunk(null, null, List.of(new ToolCallDelta(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", "")),
                        null, null),
                chunk(null, null, List.of(new ToolCallDelta(0, null, null, "{\"location\":")), null, null),
                chunk(null, null, List.of(new ToolCallDelta(0, null, null, " \"San Francisco, CA\"}")), null, null),
                chunk(null, null, List.of(), FinishReason.TOOL_CALLS, Usage.of(472, 89)));

        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop"), types(ev));
        assertEquals(0, ev.get(3).data().get("index").asInt());
        assertEquals(json("""
                {"type":"content_block_start","index":1,"content_block":
                  {"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}"""),
                ev.get(4).data());
        assertEquals(json("""
                {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}"""),
                ev.get(5).data());
        StringBuilder args = new StringBuilder();
        ev.stream().filter(e -> e.type().equals("content_block_delta") && e.data().get("index").asInt() == 1)
                .forEach(e -> args.append(e.data().get("delta").get("partial_json").asText()));
        assertEquals(json("{\"location\":\"San Francisco, CA\"}"), json(args.toString()));
        assertEquals(1, ev.get(7).data().get("index").asInt());
        assertEquals("tool_use", ev.get(8).data().get("delta").get("stop_reason").asText());
    }

    @Test
    void gives_each_tool_call_its_own_block() {
        List<Event> ev = encode(new AnthropicStreamEncoder("m"),
                chunk(null, null, List.of(new ToolCallDelta(0, "call_a", "get_weather", "{\"location\":\"Paris\"}")),
                        null, null),
                chunk(null, null, List.of(new ToolCallDelta(1, "call_b", "get_weather", "")), null, null),
                chunk(null, null, List.of(new ToolCallDelta(1, null, null, "{\"location\":\"Rome\"}")), null, null),
                chunk(null, null, List.of(), FinishReason.TOOL_CALLS, null));

        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop"), types(ev));
        assertEquals("call_a", ev.get(1).data().get("content_block").get("id").asText());
        assertEquals(0, ev.get(1).data().get("index").asInt());
        assertEquals("call_b", ev.get(4).data().get("content_block").get("id").asText());
        assertEquals(1, ev.get(4).data().get("index").asInt());
        assertEquals("{\"location\":\"Rome\"}", ev.get(5).data().get("delta").get("partial_json").asText());
        assertEquals(1, ev.get(5).data().get("index").asInt());
    }

    @Test
    void sends_late_arguments_of_an_earlier_call_against_its_own_block() {
        List<Event> ev = encode(new AnthropicStreamEncoder("m"),
                chunk(null, null, List.of(new ToolCallDelta(0, "call_a", "f", "{\"a\":")), null, null),
                chunk(null, null, List.of(new ToolCallDelta(1, "call_b", "g", "{}")), null, null),
                chunk(null, null, List.of(new ToolCallDelta(0, null, null, "1}")), null, null));
        Event late = ev.stream().filter(e -> e.type().equals("content_block_delta")
                && e.data().get("delta").get("partial_json").asText().equals("1}")).findFirst().orElseThrow();
        assertEquals(0, late.data().get("index").asInt());
        assertEquals(2, ev.stream().filter(e -> e.type().equals("content_block_start")).count());
    }

    @Test
    void encodes_reasoning_as_a_thinking_block_before_the_text_block() {
        List<Event> ev = encode(new AnthropicStreamEncoder("m"),
                chunk(null, "Let me solve this step by step:", List.of(), null, null),
                chunk(null, "\n2. 453 = 400 + 50 + 3", List.of(), null, null),
                chunk("27 * 453 = 12,231", null, List.of(), FinishReason.STOP, null));

        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop"), types(ev));
        assertEquals("thinking", ev.get(1).data().get("content_block").get("type").asText());
        assertEquals(json("""
                {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me solve this step by step:"}}"""),
                ev.get(2).data());
        assertEquals("text", ev.get(5).data().get("content_block").get("type").asText());
        assertEquals(1, ev.get(6).data().get("index").asInt());
    }

    @Test
    void finishes_an_empty_answer_with_a_complete_message() {
        List<Event> ev = encode(new AnthropicStreamEncoder("m"),
                role(), chunk(null, null, List.of(), FinishReason.STOP, Usage.of(4, 0)));
        assertEquals(List.of("message_start", "message_delta", "message_stop"), types(ev));
    }

    @Test
    void reports_a_failure_after_the_start_as_an_error_event_and_nothing_after_it() {
        AnthropicStreamEncoder enc = new AnthropicStreamEncoder("m");
        Buffer first = enc.chunk(chunk("Hel", null, List.of(), null, null));
        ObjectNode body = WireJson.MAPPER.createObjectNode().put("type", "error");
        body.putObject("error").put("type", "api_error").put("code", "stream_interrupted")
                .put("message", "the stream from 'openai/gpt-4o' failed after it had started: connection reset");
        Buffer err = enc.error(body);
        Buffer after = enc.finish();

        List<Event> ev = decode(first, err, after);
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "error"), types(ev));
        JsonNode error = ev.get(3).data().get("error");
        assertEquals("api_error", error.get("type").asText());
        assertEquals("stream_interrupted", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("connection reset"));
        assertEquals(0, after.length());
    }

    @Test
    void frames_each_event_with_its_name_and_one_data_line() {
        String wire = new AnthropicStreamEncoder("m").chunk(chunk("a\nb", null, List.of(), null, null)).toString();
        assertTrue(wire.startsWith("event: message_start\ndata: {"), wire);
        assertTrue(wire.contains("\n\nevent: content_block_start\ndata: {"), wire);
        assertTrue(wire.endsWith("}\n\n"), wire);
        assertEquals(3, wire.split("\n\n").length, "one frame per event; newlines in text are JSON-escaped");
    }
}
