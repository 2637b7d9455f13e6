package dev.detour.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeminiStreamDecoderTest {
    private final List<ChatChunk> chunks = new ArrayList<>();
    private final GeminiStreamDecoder decoder = new GeminiStreamDecoder("fallback", "requested-model", 42L, chunks::add);

    private void feedAll(String sse) {
        decoder.feed(Buffer.buffer(sse.getBytes(StandardCharsets.UTF_8)));
    }

    private String text() {
        return chunks.stream().map(ChatChunk::text).filter(t -> t != null).collect(Collectors.joining());
    }

    @Test
    void a_text_stream_gives_role_deltas_finish_and_usage() {
        feedAll(Fixtures.text("stream_text.sse"));
        decoder.end();

        assertEquals("Hello! How can I help you today?", text());
        assertEquals("assistant", chunks.get(0).role());
        assertEquals(1, chunks.stream().filter(c -> c.role() != null).count());
        assertEquals("tTCwacuEBMvnitYP06qsgQY", chunks.get(0).id());
        assertEquals("gemini-2.5-flash", chunks.get(0).model());
        assertEquals(42L, chunks.get(0).created());
        ChatChunk finish = chunks.get(chunks.size() - 2);
        assertEquals(FinishReason.STOP, finish.finishReason());
        ChatChunk usage = chunks.get(chunks.size() - 1);
        assertEquals(Usage.of(7, 9), usage.usage());
        assertTrue(!usage.hasContent() && usage.finishReason() == null);
        // The empty text part carrying only a thoughtSignature makes no content chunk.
        assertEquals(5, chunks.size());
    }

    @Test
    void a_function_call_stream_gives_one_complete_tool_call_delta_and_tool_calls_finish() {
        feedAll(Fixtures.text("stream_function_call.sse"));
        decoder.end();

        ChatChunk call = chunks.get(0);
        assertEquals("assistant", call.role());
        assertEquals(1, call.toolCalls().size());
        ToolCallDelta d = call.toolCalls().get(0);
        assertEquals(0, d.index());
        assertEquals("call_0", d.id());
        assertEquals("find_theaters", d.name());
        JsonNode args = Fixtures.json("function_call_response.json").at("/candidates/0/content/parts/0/functionCall/args");
        assertEquals(args, GeminiTranslator.MAPPER.valueToTree(parse(d.argumentsDelta())));
        assertEquals(FinishReason.TOOL_CALLS, chunks.get(1).finishReason());
        assertEquals(Usage.of(150, 20), chunks.get(2).usage());
        assertEquals("fc-123", call.id());
    }

    private static JsonNode parse(String s) {
        try {
            return GeminiTranslator.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void thought_parts_stream_as_reasoning() {
        feedAll("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Let me think\",\"thought\":true}]}}]}\n\n"
                + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"42\"}]},\"finishReason\":\"STOP\"}],"
                + "\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":1,\"thoughtsTokenCount\":5}}\n\n");
        decoder.end();

        assertEquals("Let me think", chunks.get(0).reasoning());
        assertNull(chunks.get(0).text());
        assertEquals("42", chunks.get(1).text());
        assertEquals(new Usage(3, 6, 0, 0, 5), chunks.get(chunks.size() - 1).usage());
        assertEquals("fallback", chunks.get(0).id());
        assertEquals("requested-model", chunks.get(0).model());
    }

    @Test
    void a_stream_cut_before_any_finish_reason_fails_as_connection() {
        String sse = Fixtures.text("stream_text.sse");
        feedAll(sse.substring(0, sse.indexOf("\"finishReason\"") - 40));

        ProviderException e = assertThrows(ProviderException.class, decoder::end);

        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertTrue(e.getMessage().contains("before finishReason"), e.getMessage());
        assertEquals("Hello! How can I help you today?", text());
    }

    @Test
    void an_error_event_fails_the_stream_with_its_classified_kind() {
        feedAll("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"}]}}]}\n\n");

        ProviderException e = assertThrows(ProviderException.class, () -> feedAll(
                "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\n\n"));

        assertEquals(ErrorKind.OVERLOADED, e.kind());
        assertEquals(503, e.status());
        assertEquals(ErrorKind.OVERLOADED, assertThrows(ProviderException.class, decoder::end).kind());
    }

    @Test
    void a_blocked_prompt_in_the_stream_fails_as_content_filter() {
        ProviderException e = assertThrows(ProviderException.class, () -> feedAll(
                "data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},\"usageMetadata\":{\"promptTokenCount\":5}}\n\n"));

        assertEquals(ErrorKind.CONTENT_FILTER, e.kind());
    }

    @Test
    void buffers_split_at_arbitrary_byte_boundaries_decode_the_same() {
        String sse = Fixtures.text("stream_text.sse").replace("Hello!", "Héllo ✓ 日本!");
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            List<ChatChunk> got = new ArrayList<>();
            GeminiStreamDecoder d = new GeminiStreamDecoder("f", "m", 0, got::add);
            int i = 0;
            while (i < bytes.length) {
                int n = Math.min(bytes.length - i, 1 + random.nextInt(round % 2 == 0 ? 3 : 40));
                byte[] piece = new byte[n];
                System.arraycopy(bytes, i, piece, 0, n);
                d.feed(Buffer.buffer(piece));
                i += n;
            }
            d.end();
            String text = got.stream().map(ChatChunk::text).filter(t -> t != null).collect(Collectors.joining());
            assertEquals("Héllo ✓ 日本! How can I help you today?", text, "round " + round);
            assertEquals(FinishReason.STOP, got.get(got.size() - 2).finishReason());
        }
    }

    @Test
    void each_candidate_of_a_multi_candidate_stream_keeps_its_index() {
        feedAll("data: {\"candidates\":[{\"index\":0,\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"A\"}]}},"
                + "{\"index\":1,\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"B\"}]}}]}\n\n"
                + "data: {\"candidates\":[{\"index\":0,\"finishReason\":\"STOP\"},{\"index\":1,\"finishReason\":\"MAX_TOKENS\"}]}\n\n");
        decoder.end();

        assertEquals(List.of(0, 1, 0, 1), chunks.stream().map(ChatChunk::index).toList());
        assertEquals("assistant", chunks.get(1).role());
        assertNull(chunks.get(2).role());
        assertEquals(FinishReason.LENGTH, chunks.get(3).finishReason());
    }
}
