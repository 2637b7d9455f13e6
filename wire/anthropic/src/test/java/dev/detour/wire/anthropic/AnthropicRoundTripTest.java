package dev.detour.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The codec's directions are each other's inverse over what both shapes can say: a canonical
 * request written for Anthropic and read back, an Anthropic answer read and written back, and a
 * canonical stream encoded as Anthropic events and decoded, come back unchanged. What one side
 * cannot carry is pinned by the last tests, so a new loss shows up as a failure here.
 */
class AnthropicRoundTripTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long CREATED = 1_700_000_000L;
    private static final String ID = "msg_013Zva2CMHLNnXjNJJKqJ2EF";
    private static final String MODEL = "claude-sonnet-4-5-20250929";

    // ================================================================== requests

    private static ObjectNode weatherSchema() {
        ObjectNode schema = NODES.objectNode().put("type", "object");
        schema.putObject("properties").putObject("city").put("type", "string");
        schema.putArray("required").add("city");
        return schema;
    }

    /** A conversation using every request feature both shapes carry. */
    private static ChatRequest everyRequestFeature() {
        ObjectNode extra = NODES.objectNode().put("top_k", 5);
        extra.putObject("thinking").put("type", "enabled").put("budget_tokens", 1024);
        List<Message> messages = List.of(
                Message.text("system", "You are terse."),
                Message.text("user", "What is the weather in Paris?"),
                new Message("assistant", List.of(new ContentPart.Text("Let me check.")), true, null,
                        List.of(new ToolCall("toolu_01", "get_weather", "{\"city\":\"Paris\"}"),
                                new ToolCall("toolu_02", "get_weather", "{\"city\":\"Lyon\"}")),
                        null, null, null),
                new Message("tool", List.of(new ContentPart.Text("18 degrees")), true, null, List.of(), "toolu_01",
                        null, null),
                new Message("tool", List.of(new ContentPart.Text("21 degrees")), true, null, List.of(), "toolu_02",
                        null, null),
                // After tool results the user's words share the results' turn, so they are blocks.
                new Message("user", List.of(new ContentPart.Text("And these?"),
                        new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null),
                        new ContentPart.Image("https://example.com/paris.jpg", null)), false, null, List.of(), null,
                        null, null),
                Message.assistant("Sunny in both.", List.of()),
                Message.text("user", "Thanks!"));
        return ChatRequest.builder("claude-sonnet-4-5", messages)
                .maxTokens(512)
                .tools(List.of(new Tool("get_weather", "The weather in a city", weatherSchema(), null)))
                .toolChoice(NODES.textNode("required"))
                .parallelToolCalls(false)
                .stop(List.of("###"))
                .temperature(0.5)
                .topP(0.9)
                .user("user-1")
                .stream(true)
                .includeUsage(true)
                .extra(extra)
                .build();
    }

    @Test
    void a_canonical_request_written_for_anthropic_reads_back_the_same() {
        ChatRequest request = everyRequestFeature();

        ObjectNode wire = AnthropicCodec.writeRequest(request, 4096);
        ChatRequest back = AnthropicCodec.parseRequest(wire);

        assertEquals(request, back, wire.toString());
    }

    @Test
    void named_tool_choice_and_no_tool_choice_round_trip() {
        ObjectNode named = NODES.objectNode().put("type", "function");
        named.putObject("function").put("name", "get_weather");
        for (JsonNode choice : List.of(named, NODES.textNode("auto"), NODES.textNode("none"))) {
            ChatRequest request = ChatRequest.builder("m", List.of(Message.text("user", "Hi")))
                    .maxTokens(10)
                    .tools(List.of(new Tool("get_weather", null, weatherSchema(), null)))
                    .toolChoice(choice)
                    .build();

            assertEquals(request, AnthropicCodec.parseRequest(AnthropicCodec.writeRequest(request, 1)),
                    choice.toString());
        }
    }

    @Test
    void a_documented_anthropic_request_read_and_written_back_is_the_same() {
        for (String fixture : List.of("request-basic-stream.json", "request-tool-use.json")) {
            JsonNode wire = Fixtures.json(fixture);

            assertEquals(wire, AnthropicCodec.writeRequest(AnthropicCodec.parseRequest(wire), 1), fixture);
        }
    }

    // ================================================================== answers

    private static JsonNode answer(String content, String stopReason, String usage) {
        return Fixtures.parse("{\"id\":\"" + ID + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL
                + "\",\"content\":" + content + ",\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,"
                + "\"usage\":" + usage + "}");
    }

    @Test
    void an_anthropic_answer_read_and_written_back_is_the_same() {
        List<JsonNode> answers = List.of(
                Fixtures.json("response-tool-use.json"),
                answer("[{\"type\":\"text\",\"text\":\"Hi! My name is Claude.\"}]", "end_turn",
                        "{\"input_tokens\":2095,\"output_tokens\":503}"),
                answer("[{\"type\":\"thinking\",\"thinking\":\"Let me add.\",\"signature\":\"\"},"
                        + "{\"type\":\"text\",\"text\":\"4\"}]", "max_tokens",
                        "{\"input_tokens\":10,\"cache_read_input_tokens\":3,\"output_tokens\":1}"),
                answer("[{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"f\",\"input\":{}}]", "tool_use",
                        "{\"input_tokens\":1,\"output_tokens\":2}"),
                answer("[{\"type\":\"text\",\"text\":\"I can't help with that.\"}]", "refusal",
                        "{\"input_tokens\":1,\"output_tokens\":2}"));
        for (JsonNode wire : answers) {
            ChatResponse canonical = AnthropicCodec.parseResponse(wire, CREATED);

            assertEquals(wire, AnthropicCodec.writeResponse(canonical, null), wire.toString());
        }
    }

    @Test
    void a_canonical_answer_written_for_a_client_and_read_back_is_the_same() {
        ChatResponse answer = new ChatResponse(ID, MODEL, CREATED, List.of(new dev.detour.api.model.Choice(0,
                new Message("assistant", List.of(new ContentPart.Text("Checking.")), true, null,
                        List.of(new ToolCall("toolu_01", "get_weather", "{\"city\":\"Paris\"}")), null, "Paris, then.",
                        null), FinishReason.TOOL_CALLS)), new Usage(30, 12, 10, 5, 0), null);

        assertEquals(answer, AnthropicCodec.parseResponse(AnthropicCodec.writeResponse(answer, null), CREATED));
    }

    // ================================================================== streams

    private static ChatChunk chunk(String role, String text, String reasoning, List<ToolCallDelta> tools,
                                   FinishReason finish, Usage usage) {
        return new ChatChunk(ID, MODEL, CREATED, 0, role, text, reasoning, tools, finish, usage, null);
    }

    /** A stream using every event both shapes carry, as the decoder delivers it: one piece per chunk. */
    private static List<ChatChunk> everyStreamFeature() {
        return List.of(
                chunk("assistant", null, null, List.of(), null, null),
                chunk(null, null, "Two cities, ", List.of(), null, null),
                chunk(null, null, "two calls.", List.of(), null, null),
                chunk(null, "Let me ", null, List.of(), null, null),
                chunk(null, "check. Grüße 👋", null, List.of(), null, null),
                chunk(null, null, null, List.of(new ToolCallDelta(0, "toolu_01", "get_weather", "")), null, null),
                chunk(null, null, null, List.of(new ToolCallDelta(0, null, null, "{\"city\":")), null, null),
                chunk(null, null, null, List.of(new ToolCallDelta(1, "toolu_02", "get_weather", "")), null, null),
                // Interleaved parallel calls: the first call's arguments continue after the second began.
                chunk(null, null, null, List.of(new ToolCallDelta(0, null, null, "\"Paris\"}")), null, null),
                chunk(null, null, null, List.of(new ToolCallDelta(1, null, null, "{\"city\":\"Lyon\"}")), null, null),
                chunk(null, null, null, List.of(), FinishReason.TOOL_CALLS, null),
                chunk(null, null, null, List.of(), null, new Usage(30, 12, 10, 5, 0)));
    }

    private static byte[] encode(List<ChatChunk> chunks) {
        AnthropicStreamEncoder encoder = new AnthropicStreamEncoder(MODEL);
        Buffer out = Buffer.buffer();
        chunks.forEach(c -> out.appendBuffer(encoder.chunk(c)));
        out.appendBuffer(encoder.finish());
        return out.getBytes();
    }

    private static List<ChatChunk> decode(byte[] stream, int... cuts) {
        List<ChatChunk> chunks = new ArrayList<>();
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(chunks::add, CREATED,
                json -> new ProviderException(dev.detour.api.ErrorKind.UNKNOWN, 0, "unexpected error event"));
        int from = 0;
        for (int cut : cuts) {
            decoder.feed(Buffer.buffer(Arrays.copyOfRange(stream, from, cut)));
            from = cut;
        }
        decoder.feed(Buffer.buffer(Arrays.copyOfRange(stream, from, stream.length)));
        assertNull(decoder.finish(), "the stream ends with message_stop");
        return chunks;
    }

    @Test
    void a_canonical_stream_encoded_as_anthropic_events_decodes_to_the_same_chunks_however_it_is_split() {
        List<ChatChunk> stream = everyStreamFeature();
        byte[] wire = encode(stream);

        assertEquals(stream, decode(wire));
        for (int cut = 1; cut < wire.length; cut++) {
            assertEquals(stream, decode(wire, cut), "split at byte " + cut);
        }
        Random random = new Random(13);
        for (int round = 0; round < 200; round++) {
            int[] cuts = random.ints(1 + random.nextInt(24), 1, wire.length).sorted().distinct().toArray();
            assertEquals(stream, decode(wire, cuts), "split at " + Arrays.toString(cuts));
        }
    }

    @Test
    void a_documented_anthropic_stream_decoded_and_encoded_again_decodes_the_same() {
        for (String fixture : List.of("stream-text.sse", "stream-tool-use.sse", "stream-thinking.sse")) {
            List<ChatChunk> decoded = decode(Fixtures.bytes(fixture));
            List<ChatChunk> again = decode(encode(decoded.stream()
                    .map(c -> new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), c.text(),
                            c.reasoning(), c.toolCalls(), c.finishReason(), c.usage(), c.refusal()))
                    .toList()));
            // The encoder reports the model it is given for the whole stream, as core does.
            assertEquals(decoded.stream().map(c -> c.withModel(MODEL)).toList(), again, fixture);
        }
    }

    // ================================================================== what one side cannot carry

    @Test
    void an_answer_loses_signatures_citations_and_the_matched_stop_sequence() {
        JsonNode wire = answer("[{\"type\":\"thinking\",\"thinking\":\"Hm.\",\"signature\":\"EqQB\"},"
                + "{\"type\":\"text\",\"text\":\"Done ###\",\"citations\":null}]", "stop_sequence",
                "{\"input_tokens\":1,\"output_tokens\":2}");
        ((ObjectNode) wire).put("stop_sequence", "###");

        JsonNode back = AnthropicCodec.writeResponse(AnthropicCodec.parseResponse(wire, CREATED), null);

        assertEquals("", back.at("/content/0/signature").asText(), "no signature to give back");
        assertEquals(Fixtures.parse("{\"type\":\"text\",\"text\":\"Done ###\"}"), back.at("/content/1"));
        assertEquals("end_turn", back.path("stop_reason").asText());
        assertEquals(NODES.nullNode(), back.path("stop_sequence"));
    }

    @Test
    void a_request_loses_reasoning_image_detail_and_the_plain_shape_of_merged_turns() {
        ChatRequest request = ChatRequest.builder("m", List.of(
                Message.text("user", "one"), Message.text("user", "two"),
                new Message("user", List.of(new ContentPart.Image("https://example.com/a.png", "high")), false, null,
                        List.of(), null, null, null),
                new Message("assistant", List.of(new ContentPart.Text("ok")), true, null, List.of(), null, "thought",
                        null))).maxTokens(5).build();

        ChatRequest back = AnthropicCodec.parseRequest(AnthropicCodec.writeRequest(request, 1));

        assertEquals(List.of(new Message("user", List.of(new ContentPart.Text("one"), new ContentPart.Text("two"),
                        new ContentPart.Image("https://example.com/a.png", null)), false, null, List.of(), null, null,
                        null), Message.text("assistant", "ok")),
                back.messages());
    }
}
