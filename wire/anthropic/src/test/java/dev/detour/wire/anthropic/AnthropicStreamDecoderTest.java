package dev.detour.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicStreamDecoderTest {

    /** What one decoded stream produced. */
    private record Decoded(List<ChatChunk> chunks, ProviderException failure) {
        String text() {
            return chunks.stream().map(ChatChunk::text).filter(t -> t != null).collect(Collectors.joining());
        }

        String reasoning() {
            return chunks.stream().map(ChatChunk::reasoning).filter(t -> t != null).collect(Collectors.joining());
        }

        List<ToolCallDelta> toolDeltas() {
            return chunks.stream().flatMap(c -> c.toolCalls().stream()).toList();
        }

        List<FinishReason> finishes() {
            return chunks.stream().map(ChatChunk::finishReason).filter(f -> f != null).toList();
        }

        List<Usage> usages() {
            return chunks.stream().map(ChatChunk::usage).filter(u -> u != null).toList();
        }
    }

    private static Decoded decode(byte[] stream, int... cuts) {
        List<ChatChunk> chunks = new ArrayList<>();
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(chunks::add, 1700000000L,
                AnthropicStreamDecoderTest::classify);
        int from = 0;
        for (int cut : cuts) {
            decoder.feed(Buffer.buffer(Arrays.copyOfRange(stream, from, cut)));
            from = cut;
        }
        decoder.feed(Buffer.buffer(Arrays.copyOfRange(stream, from, stream.length)));
        return new Decoded(chunks, decoder.finish());
    }

    @Test
    void decodes_documented_text_stream() {
        Decoded d = decode(Fixtures.bytes("stream-text.sse"));

        assertNull(d.failure());
        assertEquals("Hello!", d.text());
        assertEquals("assistant", d.chunks().get(0).role());
        assertFalse(d.chunks().get(0).hasContent(), "the role chunk carries no content");
        assertTrue(d.chunks().stream().skip(1).allMatch(c -> c.role() == null), "only the first chunk has the role");
        assertTrue(d.chunks().stream().allMatch(c -> "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY".equals(c.id())
                && "claude-sonnet-4-5-20250929".equals(c.model()) && c.created() == 1700000000L));
        assertEquals(List.of(FinishReason.STOP), d.finishes());
        assertEquals(List.of(Usage.of(25, 15)), d.usages());
        ChatChunk last = d.chunks().get(d.chunks().size() - 1);
        assertNotNull(last.usage(), "usage is the last chunk");
    }

    @Test
    void decodes_documented_tool_use_stream_with_tool_indexes_counted_from_zero() {
        Decoded d = decode(Fixtures.bytes("stream-tool-use.sse"));

        assertNull(d.failure());
        assertEquals("Okay, let's check the weather for San Francisco, CA:", d.text());
        List<ToolCallDelta> tools = d.toolDeltas();
        assertEquals(new ToolCallDelta(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", ""), tools.get(0));
        assertTrue(tools.stream().allMatch(t -> t.index() == 0), "block index 1 is tool call 0");
        assertTrue(tools.stream().skip(1).allMatch(t -> t.id() == null && t.name() == null));
        String arguments = tools.stream().map(ToolCallDelta::argumentsDelta).collect(Collectors.joining());
        assertEquals(Fixtures.parse("{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}"),
                Fixtures.parse(arguments));
        assertEquals(List.of(FinishReason.TOOL_CALLS), d.finishes());
        assertEquals(List.of(Usage.of(472, 89)), d.usages());
    }

    @Test
    void numbers_several_tool_calls_in_order_of_appearance() {
        String stream = """
                event: message_start
                data: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":3,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: content_block_start
                data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"a","name":"f","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}

                event: content_block_start
                data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"b","name":"g","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"x\\":1}"}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}

                event: message_stop
                data: {"type":"message_stop"}

                """;

        Decoded d = decode(stream.getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of(new ToolCallDelta(0, "a", "f", ""), new ToolCallDelta(0, null, null, "{}"),
                new ToolCallDelta(1, "b", "g", ""), new ToolCallDelta(1, null, null, "{\"x\":1}")), d.toolDeltas());
    }

    @Test
    void decodes_documented_thinking_stream_into_reasoning() {
        Decoded d = decode(Fixtures.bytes("stream-thinking.sse"));

        assertNull(d.failure());
        assertTrue(d.reasoning().startsWith("Let me solve this step by step:"));
        assertTrue(d.reasoning().endsWith("10,800 + 1,350 + 81 = 12,231"));
        assertFalse(d.reasoning().contains("EqQB"), "the signature is not reasoning");
        assertEquals("27 * 453 = 12,231", d.text());
        assertEquals(List.of(FinishReason.STOP), d.finishes());
    }

    /** The adapter's in-band error rule stands in here: it names what it was given. */
    private static ProviderException classify(JsonNode event) {
        return new ProviderException(ErrorKind.OVERLOADED, 529, "classified", null, event.at("/error/type").asText());
    }

    @Test
    void fails_with_the_classified_documented_in_band_error() {
        Decoded d = decode(Fixtures.bytes("stream-error.sse"));

        assertNotNull(d.failure());
        assertEquals("classified", d.failure().getMessage());
        assertEquals("overloaded_error", d.failure().providerCode(), "the classifier got the event's JSON");
        assertTrue(d.usages().isEmpty(), "a failed stream reports no usage");
    }

    @Test
    void fails_with_connection_when_stream_ends_without_message_stop() {
        Decoded d = decode(Fixtures.bytes("stream-cut.sse"));

        assertNotNull(d.failure());
        assertEquals(ErrorKind.CONNECTION, d.failure().kind());
        assertEquals("Hello!", d.text(), "the content before the cut was delivered");
    }

    @Test
    void ignores_events_after_message_stop() {
        String extra = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"late\"}}\n\n";
        byte[] stream = (Fixtures.text("stream-text.sse") + extra).getBytes(StandardCharsets.UTF_8);

        Decoded d = decode(stream);

        assertNull(d.failure());
        assertEquals("Hello!", d.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream-text.sse", "stream-tool-use.sse", "stream-thinking.sse"})
    void decodes_the_same_whatever_the_buffer_boundaries(String fixture) {
        byte[] stream = Fixtures.bytes(fixture);
        Decoded whole = decode(stream);

        for (int cut = 1; cut < stream.length; cut++) {
            assertEquals(whole, decode(stream, cut), "split at byte " + cut);
        }
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            int[] cuts = random.ints(8, 1, stream.length).sorted().distinct().toArray();
            assertEquals(whole, decode(stream, cuts), "split at " + Arrays.toString(cuts));
        }
        int[] everyByte = new int[stream.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertEquals(whole, decode(stream, everyByte), "one byte at a time");
    }

    @Test
    void survives_a_multi_byte_character_split_across_buffers() {
        String stream = Fixtures.text("stream-text.sse").replace("\"Hello\"", "\"Grüße 👋\"");
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        int emoji = stream.indexOf("👋");
        int splitInsideEmoji = stream.substring(0, emoji).getBytes(StandardCharsets.UTF_8).length + 2;

        Decoded d = decode(bytes, splitInsideEmoji);

        assertEquals("Grüße 👋!", d.text());
    }

    @Test
    void fails_on_a_malformed_event() {
        Decoded d = decode("event: message_start\ndata: {not json\n\n".getBytes(StandardCharsets.UTF_8));

        assertEquals(ErrorKind.UNKNOWN, d.failure().kind());
    }
}
