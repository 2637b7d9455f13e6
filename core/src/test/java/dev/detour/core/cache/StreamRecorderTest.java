package dev.detour.core.cache;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A stream put back together as a whole answer, and a whole answer replayed as a stream. */
class StreamRecorderTest {
    static ChatChunk chunk(int index, String role, String text, List<ToolCallDelta> calls, FinishReason finish,
                           Usage usage) {
        return new ChatChunk("id-1", "gpt-4o", 9, index, role, text, null, calls, finish, usage, null);
    }

    @Test
    void text_tool_calls_finish_and_usage_come_back_together() {
        StreamRecorder r = new StreamRecorder();
        r.add(chunk(0, "assistant", "", List.of(), null, null));
        r.add(chunk(0, null, "Hel", List.of(), null, null));
        r.add(chunk(0, null, "lo", List.of(), null, null));
        r.add(chunk(0, null, null, List.of(new ToolCallDelta(0, "call-1", "lookup", "{\"q\":")), null, null));
        r.add(chunk(0, null, null, List.of(new ToolCallDelta(0, null, null, "1}")), null, null));
        r.add(chunk(0, null, null, List.of(), FinishReason.TOOL_CALLS, null));
        r.add(chunk(0, null, null, List.of(), null, Usage.of(3, 4)));
        ChatResponse whole = r.response();
        assertEquals("id-1", whole.id());
        assertEquals("Hello", whole.text());
        assertEquals(List.of(new ToolCall("call-1", "lookup", "{\"q\":1}")), whole.choices().get(0).message().toolCalls());
        assertEquals(FinishReason.TOOL_CALLS, whole.finishReason());
        assertEquals(Usage.of(3, 4), whole.usage());
    }

    @Test
    void choices_are_kept_by_index_and_a_gap_keeps_nothing() {
        StreamRecorder r = new StreamRecorder();
        r.add(chunk(1, "assistant", "second", List.of(), FinishReason.STOP, null));
        r.add(chunk(0, "assistant", "first", List.of(), FinishReason.STOP, null));
        ChatResponse whole = r.response();
        assertEquals(2, whole.choices().size());
        assertEquals("first", whole.choices().get(0).message().text());
        assertEquals("second", whole.choices().get(1).message().text());

        StreamRecorder gap = new StreamRecorder();
        gap.add(chunk(1, "assistant", "only the second", List.of(), FinishReason.STOP, null));
        assertNull(gap.response());
    }

    @Test
    void a_stream_too_long_to_keep_is_not_kept() {
        StreamRecorder r = new StreamRecorder();
        String mb = "x".repeat(1 << 20);
        for (int i = 0; i < 5; i++) {
            r.add(chunk(0, null, mb, List.of(), null, null));
        }
        assertNull(r.response());
        assertNull(new StreamRecorder().response(), "nothing recorded, nothing to keep");
    }

    @Test
    void a_replayed_answer_records_back_to_itself() {
        ChatResponse answer = new ChatResponse("id-2", "claude", 7, List.of(
                new Choice(0, new Message("assistant", List.of(new dev.detour.api.model.ContentPart.Text("Sure.")), true,
                        null, List.of(new ToolCall("t1", "f", "{}")), null, "thinking first", null), FinishReason.TOOL_CALLS),
                new Choice(1, Message.assistant("Another.", List.of()), FinishReason.LENGTH)), Usage.of(10, 20), null);
        for (boolean usageFirst : new boolean[]{true, false}) {
            List<ChatChunk> chunks = Replay.chunks(answer, usageFirst, true);
            assertEquals(usageFirst, chunks.get(0).usage() != null);
            StreamRecorder r = new StreamRecorder();
            chunks.forEach(r::add);
            assertEquals(answer, r.response());
        }
        List<ChatChunk> noUsage = Replay.chunks(answer, false, false);
        assertEquals(0, noUsage.stream().filter(c -> c.usage() != null).count());
        StreamRecorder r = new StreamRecorder();
        noUsage.forEach(r::add);
        assertEquals(answer.withChoices(answer.choices()).choices(), r.response().choices());
    }
}
