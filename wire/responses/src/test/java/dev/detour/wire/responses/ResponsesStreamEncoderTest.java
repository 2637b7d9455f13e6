package dev.detour.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.detour.wire.responses.Fixtures.json;
import static dev.detour.wire.responses.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponsesStreamEncoderTest {
    static final String ID = "resp_abc";

    record Event(String name, JsonNode data) {
    }

    /** Splits SSE frames, checking each has an event line equal to its JSON type. */
    static List<Event> events(Buffer b) {
        List<Event> out = new ArrayList<>();
        for (String frame : b.toString().split("\n\n")) {
            if (frame.isBlank()) {
                continue;
            }
            String[] lines = frame.split("\n");
            assertEquals(2, lines.length, frame);
            assertTrue(lines[0].startsWith("event: "), frame);
            assertTrue(lines[1].startsWith("data: "), frame);
            String name = lines[0].substring(7);
            JsonNode data = parse(lines[1].substring(6));
            assertEquals(name, data.path("type").asText(), frame);
            out.add(new Event(name, data));
        }
        return out;
    }

    static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    static ChatChunk text(String t) {
        return new ChatChunk("c1", "m", 1L, 0, null, t, null, List.of(), null, null, null);
    }

    static ChatChunk finish(FinishReason f, Usage u) {
        return new ChatChunk("c1", "m", 1L, 0, null, null, null, List.of(), f, u, null);
    }

    static ChatChunk call(int index, String id, String name, String args) {
        return new ChatChunk("c1", "m", 1L, 0, null, null, null, List.of(new ToolCallDelta(index, id, name, args)),
                null, null, null);
    }

    static List<Event> encode(ResponsesRequest q, List<ChatChunk> chunks) {
        ResponsesStreamEncoder enc = new ResponsesStreamEncoder(q, ID, 1741476542L, "gpt-4.1");
        Buffer all = Buffer.buffer();
        for (ChatChunk c : chunks) {
            all.appendBuffer(enc.chunk(c));
        }
        all.appendBuffer(enc.finish());
        return events(all);
    }

    @Test
    void a_text_answer_is_the_documented_event_sequence() {
        List<Event> ev = encode(ResponsesCodecTest.read("request-text.json"),
                List.of(text("Once "), text("upon "), text("a time."), finish(FinishReason.STOP, Usage.of(12, 3))));
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed"), names(ev));
        for (int i = 0; i < ev.size(); i++) {
            assertEquals(i, ev.get(i).data().path("sequence_number").asInt(), "numbered from 0: " + ev.get(i));
        }
        JsonNode created = ev.get(0).data().path("response");
        assertEquals(ID, created.path("id").asText());
        assertEquals("in_progress", created.path("status").asText());
        assertEquals(0, created.path("output").size());
        JsonNode added = ev.get(2).data();
        assertEquals(0, added.path("output_index").asInt());
        assertEquals("msg_abc", added.at("/item/id").asText());
        assertEquals("in_progress", added.at("/item/status").asText());
        assertEquals(0, added.at("/item/content").size(), "parts arrive by content_part.added");
        assertEquals("output_text", ev.get(3).data().at("/part/type").asText());
        JsonNode delta = ev.get(4).data();
        assertEquals("msg_abc", delta.path("item_id").asText());
        assertEquals(0, delta.path("output_index").asInt());
        assertEquals(0, delta.path("content_index").asInt());
        assertEquals("Once ", delta.path("delta").asText());
        assertEquals("Once upon a time.", ev.get(7).data().path("text").asText());
        assertEquals("Once upon a time.", ev.get(8).data().at("/part/text").asText());
        assertEquals("completed", ev.get(9).data().at("/item/status").asText());
        JsonNode done = ev.get(10).data().path("response");
        assertEquals("completed", done.path("status").asText());
        assertEquals("Once upon a time.", done.at("/output/0/content/0/text").asText());
        assertEquals(15, done.at("/usage/total_tokens").asInt());
    }

    @Test
    void a_tool_call_streams_its_arguments_and_closes_with_them_whole() {
        List<Event> ev = encode(ResponsesCodecTest.read("request-function-calling.json"), List.of(
                call(0, "call_1", "get_current_weather", ""), call(0, null, null, "{\"location\":"),
                call(0, null, null, "\"Boston\"}"), finish(FinishReason.TOOL_CALLS, Usage.of(50, 10))));
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed"), names(ev));
        JsonNode item = ev.get(2).data().path("item");
        assertEquals("function_call", item.path("type").asText());
        assertEquals("call_1", item.path("call_id").asText());
        assertEquals("", item.path("arguments").asText(), "pieces follow as deltas");
        assertEquals("fc_abc_0", ev.get(3).data().path("item_id").asText());
        JsonNode argsDone = ev.get(5).data();
        assertEquals("{\"location\":\"Boston\"}", argsDone.path("arguments").asText());
        assertEquals("get_current_weather", argsDone.path("name").asText());
        assertEquals("completed", ev.get(6).data().at("/item/status").asText());
        assertEquals("{\"location\":\"Boston\"}", ev.get(7).data().at("/response/output/0/arguments").asText());
    }

    @Test
    void an_answer_cut_by_its_limit_ends_with_response_incomplete() {
        List<Event> ev = encode(ResponsesCodecTest.read("request-text.json"),
                List.of(text("Once"), finish(FinishReason.LENGTH, Usage.of(1, 1))));
        Event last = ev.get(ev.size() - 1);
        assertEquals("response.incomplete", last.name());
        assertEquals("incomplete", last.data().at("/response/status").asText());
        assertEquals("max_output_tokens", last.data().at("/response/incomplete_details/reason").asText());
    }

    @Test
    void a_failure_after_the_start_is_an_error_then_response_failed_with_what_was_produced() {
        ResponsesStreamEncoder enc = new ResponsesStreamEncoder(ResponsesCodecTest.read("request-text.json"), ID, 1L, "m");
        Buffer all = Buffer.buffer();
        all.appendBuffer(enc.chunk(text("Once ")));
        ArrayNode attempts = Fixtures.JSON.createArrayNode();
        attempts.addObject().put("target", "p/m").put("status", 200).put("kind", "stream_interrupted");
        all.appendBuffer(enc.failed("stream_interrupted", "the stream from p/m was cut", attempts));
        all.appendBuffer(enc.finish());   // nothing after a failure
        List<Event> ev = events(all);
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "error", "response.failed"), names(ev));
        JsonNode err = ev.get(5).data();
        assertEquals("stream_interrupted", err.path("code").asText());
        assertEquals("the stream from p/m was cut", err.path("message").asText());
        assertTrue(err.path("param").isNull());
        assertEquals("p/m", err.at("/attempts/0/target").asText());
        JsonNode failed = ev.get(6).data().path("response");
        assertEquals("failed", failed.path("status").asText());
        assertEquals("server_error", failed.at("/error/code").asText());
        assertEquals("incomplete", failed.at("/output/0/status").asText());
        assertEquals("Once ", failed.at("/output/0/content/0/text").asText());
        assertEquals(6, ev.get(6).data().path("sequence_number").asInt());
    }

    @Test
    void extensions_ride_on_the_terminal_event() {
        ResponsesStreamEncoder enc = new ResponsesStreamEncoder(ResponsesCodecTest.read("request-text.json"), ID, 1L, "m");
        enc.chunk(text("x"));
        List<Event> ev = events(enc.finish(Map.of("detour", TextNode.valueOf("resumed"))));
        assertEquals("resumed", ev.get(ev.size() - 1).data().path("detour").asText());
    }

    /**
     * The stream, accumulated the way the {@code openai} SDK does it, is the Response a whole answer
     * gets: same items, ids, texts, statuses and usage.
     */
    @Test
    void the_events_accumulate_to_the_whole_response() {
        ResponsesRequest q = ResponsesCodecTest.read("request-function-calling.json");
        Usage usage = new Usage(20, 9, 3, 0, 4);
        ChatChunk reasoning = new ChatChunk("c1", "m", 1L, 0, "assistant", null, "Weather ", List.of(), null, null, null);
        ChatChunk reasoning2 = new ChatChunk("c1", "m", 1L, 0, null, null, "needed.", List.of(), null, null, null);
        List<ChatChunk> chunks = List.of(reasoning, reasoning2, text("Checking "), text("now."),
                call(0, "call_a", "get_current_weather", "{\"loc"), call(0, null, null, "ation\":\"Boston\"}"),
                call(1, "call_b", "get_current_weather", "{}"), finish(FinishReason.TOOL_CALLS, usage));
        List<Event> ev = encode(q, chunks);

        ObjectNode snapshot = null;
        for (Event e : ev) {
            JsonNode d = e.data();
            switch (e.name()) {
                case "response.created" -> snapshot = (ObjectNode) d.path("response").deepCopy();
                case "response.output_item.added" -> ((ArrayNode) snapshot.path("output")).add(d.path("item").deepCopy());
                case "response.content_part.added" -> ((ArrayNode) snapshot.path("output").get(d.path("output_index").asInt())
                        .path("content")).add(d.path("part").deepCopy());
                case "response.output_text.delta", "response.reasoning_text.delta" -> {
                    ObjectNode part = (ObjectNode) snapshot.path("output").get(d.path("output_index").asInt())
                            .path("content").get(d.path("content_index").asInt());
                    part.put("text", part.path("text").asText() + d.path("delta").asText());
                }
                case "response.function_call_arguments.delta" -> {
                    ObjectNode item = (ObjectNode) snapshot.path("output").get(d.path("output_index").asInt());
                    item.put("arguments", item.path("arguments").asText() + d.path("delta").asText());
                }
                case "response.output_item.done" -> {
                    ((ArrayNode) snapshot.path("output")).set(d.path("output_index").asInt(), d.path("item").deepCopy());
                }
                case "response.completed" -> {
                    // The accumulated items are what the final Response says.
                    assertEquals(d.at("/response/output"), snapshot.path("output"));
                    snapshot = (ObjectNode) d.path("response").deepCopy();
                }
                default -> {
                }
            }
        }
        ChatResponse whole = new ChatResponse("c1", "m", 1741476542L, List.of(new Choice(0, new Message("assistant",
                List.of(new dev.detour.api.model.ContentPart.Text("Checking now.")), true, null,
                List.of(new ToolCall("call_a", "get_current_weather", "{\"location\":\"Boston\"}"),
                        new ToolCall("call_b", "get_current_weather", "{}")), null, "Weather needed.", null),
                FinishReason.TOOL_CALLS)), usage, null);
        ObjectNode expected = ResponsesCodec.writeResponse(whole, q, ID, "gpt-4.1");
        assertEquals(parse(expected.toString()), snapshot, "numbers compared as read back from JSON");
    }

    @Test
    void the_response_echoes_the_request_as_the_whole_answer_does() {
        ResponsesRequest q = ResponsesCodecTest.read("request-instructions.json");
        List<Event> ev = encode(q, List.of(text("Arr."), finish(FinishReason.STOP, Usage.of(1, 1))));
        JsonNode r = ev.get(ev.size() - 1).data().path("response");
        assertEquals("Talk like a pirate.", r.path("instructions").asText());
        assertEquals(200, r.path("max_output_tokens").asInt());
        assertEquals(json("request-instructions.json").path("metadata"), r.path("metadata"));
    }
}
