package dev.detour.core.guard;

import dev.detour.api.ProviderException;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.provider.ChunkSink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stream path of guardrails on its own: chunks through {@link StreamWatch} with checks that
 * follow {@link GuardrailCheck#outputText}'s hold-back protocol, verdicts inline and late.
 */
class StreamWatchTest {

    /** Replaces every {@code word} with {@code with}; holds back {@code word.length()} characters. */
    static final class Replacing implements GuardrailCheck {
        final String word;
        final String with;
        final List<String> calls = new ArrayList<>();
        /** When set, verdicts are answered only when the test completes them. */
        List<Promise<GuardrailVerdict<String>>> late;
        boolean deny;

        Replacing(String word, String with) {
            this.word = word;
            this.with = with;
        }

        @Override
        public int streamWindow() {
            return word.length();
        }

        @Override
        public Future<GuardrailVerdict<String>> outputText(int choice, String pending, boolean end) {
            calls.add(choice + ":" + pending + (end ? "|end" : ""));
            GuardrailVerdict<String> v = deny && pending.contains(word) ? GuardrailVerdict.deny("t:denied")
                    : pending.contains(word) ? GuardrailVerdict.replace(pending.replace(word, with), "t:replaced")
                    : GuardrailVerdict.allow();
            if (late != null) {
                Promise<GuardrailVerdict<String>> p = Promise.promise();
                late.add(p);
                GuardrailVerdict<String> answer = v;
                return p.future().map(x -> answer);
            }
            return Future.succeededFuture(v);
        }
    }

    static RequestGuard guard(GuardrailCheck... checks) {
        List<RouteGuards.Configured> cs = new ArrayList<>();
        for (int i = 0; i < checks.length; i++) {
            GuardrailCheck c = checks[i];
            cs.add(new RouteGuards.Configured("g" + i, ctx -> c, false, true));
        }
        return RouteGuards.of(cs).open(null);
    }

    static ChatChunk text(int choice, String t) {
        return new ChatChunk("id", "m", 1, choice, null, t, null, List.of(), null, null, null);
    }

    static ChatChunk finish(int choice) {
        return new ChatChunk("id", "m", 1, choice, null, null, null, List.of(), FinishReason.STOP, null, null);
    }

    /** What reached the sink. */
    static final class Out implements ChunkSink {
        final List<ChatChunk> chunks = new ArrayList<>();

        @Override
        public void next(ChatChunk chunk) {
            chunks.add(chunk);
        }

        String text(int choice) {
            StringBuilder sb = new StringBuilder();
            for (ChatChunk c : chunks) {
                if (c.index() == choice && c.text() != null) {
                    sb.append(c.text());
                }
            }
            return sb.toString();
        }
    }

    @Test
    void a_word_split_at_every_boundary_is_replaced_and_no_part_of_it_is_sent() {
        String text = "say SECRET twice: SECRET.";
        for (int cut = 1; cut < text.length(); cut++) {
            Replacing check = new Replacing("SECRET", "[X]");
            Out out = new Out();
            List<ProviderException> failed = new ArrayList<>();
            ChunkSink w = guard(check).watch(out, failed::add, () -> { });
            w.next(text(0, text.substring(0, cut)));
            w.next(text(0, text.substring(cut)));
            w.next(finish(0));
            assertTrue(((StreamWatch) w).end().succeeded());
            assertEquals("say [X] twice: [X].", out.text(0), "cut at " + cut);
            for (ChatChunk c : out.chunks) {
                assertFalse(c.text() != null && (c.text().contains("SEC") || c.text().contains("RET")),
                        "cut at " + cut + ": " + c.text());
            }
            assertEquals(FinishReason.STOP, out.chunks.get(out.chunks.size() - 1).finishReason());
            assertTrue(failed.isEmpty());
        }
    }

    @Test
    void only_the_window_is_held_back_and_unchanged_other_parts_pass_in_order() {
        Replacing check = new Replacing("SECRET", "[X]");
        Out out = new Out();
        ChunkSink w = guard(check).watch(out, e -> { }, () -> { });
        ChatChunk role = new ChatChunk("id", "m", 1, 0, "assistant", "", null, List.of(), null, null, null);
        w.next(role);
        assertEquals(List.of(role), out.chunks, "a chunk without text is passed on as it is");
        w.next(text(0, "Hello there, friend"));
        assertEquals("Hello there, ", out.text(0), "all but the last 6 characters go out at once");
        w.next(text(0, "!"));
        assertEquals("Hello there, f", out.text(0));
        assertEquals("0:friend!", check.calls.get(1), "the check sees what was held plus what arrived");
        assertTrue(((StreamWatch) w).end().succeeded());
        assertEquals("Hello there, friend!", out.text(0), "the stream's end releases the rest");
        assertEquals("0:riend!|end", check.calls.get(2));
    }

    @Test
    void a_chunk_whose_text_is_all_held_back_still_shows_the_upstream_alive() {
        int[] alive = {0};
        Out out = new Out();
        ChunkSink w = guard(new Replacing("SECRET", "[X]")).watch(out, e -> { }, () -> alive[0]++);
        w.next(text(0, "Hi"));
        assertTrue(out.chunks.isEmpty());
        assertEquals(1, alive[0], "held back, but the upstream sent something: the idle timeout must hear of it");
        w.next(text(0, " there, all"));
        assertEquals(1, alive[0], "text went on: the gate hears of it itself");
    }

    @Test
    void late_verdicts_keep_the_chunks_in_order() {
        Replacing check = new Replacing("SECRET", "[X]");
        check.late = new ArrayList<>();
        Out out = new Out();
        ChunkSink w = guard(check).watch(out, e -> { }, () -> { });
        w.next(text(0, "one SECRET two "));
        w.next(text(0, "three SECRET four"));
        w.next(finish(0));
        assertTrue(out.chunks.isEmpty(), "nothing overtakes a verdict not yet in");
        assertEquals(1, check.late.size(), "the next text waits for the verdict before it");
        check.late.get(0).complete();
        assertEquals(2, check.late.size());
        check.late.get(1).complete();
        check.late.get(2).complete();
        Future<Void> end = ((StreamWatch) w).end();
        assertTrue(end.succeeded());
        assertEquals("one [X] two three [X] four", out.text(0));
    }

    @Test
    void stages_run_in_order_and_choices_are_judged_apart() {
        Replacing first = new Replacing("SECRET", "TOKEN");
        Replacing second = new Replacing("TOKEN", "[T]");
        Out out = new Out();
        ChunkSink w = guard(first, second).watch(out, e -> { }, () -> { });
        w.next(text(0, "a SEC"));
        w.next(text(1, "b SECRET"));
        w.next(text(0, "RET a"));
        w.next(finish(0));
        w.next(finish(1));
        assertTrue(((StreamWatch) w).end().succeeded());
        assertEquals("a [T] a", out.text(0), "the second stage sees what the first let through");
        assertEquals("b [T]", out.text(1));
        for (String c : first.calls) {
            assertFalse(c.startsWith("0:") && c.contains("b "), "each choice has its own held-back text: " + c);
        }
    }

    @Test
    void a_denial_fails_the_attempt_and_sends_nothing_more() {
        Replacing check = new Replacing("SECRET", "[X]");
        check.deny = true;
        Out out = new Out();
        List<ProviderException> failed = new ArrayList<>();
        ChunkSink w = guard(check).watch(out, failed::add, () -> { });
        w.next(text(0, "fine text here, and then "));
        String before = out.text(0);
        w.next(text(0, "the SECRET"));
        w.next(text(0, " more"));
        assertEquals(1, failed.size());
        assertTrue(RequestGuard.refused(failed.get(0)));
        assertTrue(failed.get(0).getMessage().contains("guardrail 'g0' denied the answer: t:denied"));
        assertFalse(failed.get(0).getMessage().contains("SECRET"), "the judged text is never in the message");
        assertEquals(before, out.text(0));
        assertTrue(((StreamWatch) w).end().failed());
    }

    @Test
    void an_attempt_that_fails_closes_its_open_choices_before_the_next_one() {
        Replacing check = new Replacing("SECRET", "[X]");
        RequestGuard g = guard(check);
        Out lost = new Out();
        ChunkSink first = g.watch(lost, e -> { }, () -> { });
        first.next(text(0, "partial answer"));
        int before = check.calls.size();
        Future<Void> outcome = g.judge(Future.failedFuture(new IllegalStateException("connection reset")), first,
                new RequestGuardTest.RecordingCall());
        assertTrue(outcome.failed());
        assertEquals("0:answer|end", check.calls.get(before), "the check hears the abandoned choice end");
        first.next(text(0, " late"));
        assertEquals("partial ", lost.text(0), "nothing goes on from an abandoned attempt");
        Out out = new Out();
        ChunkSink second = g.watch(out, e -> { }, () -> { });
        second.next(text(0, "fresh"));
        assertTrue(((StreamWatch) second).end().succeeded());
        assertEquals("fresh", out.text(0));
    }

    @Test
    void a_route_whose_guardrails_do_not_look_at_streams_gets_the_sink_itself() {
        GuardrailCheck blind = new GuardrailCheck() {
        };
        Out out = new Out();
        assertTrue(guard(blind).watch(out, e -> { }, () -> { }) == out);
        assertNull(guard(blind).header());
        RequestGuard g = guard(new Replacing("SECRET", "[X]"));
        ChunkSink w = g.watch(new Out(), e -> { }, () -> { });
        w.next(text(0, "a SECRET b"));
        ((StreamWatch) w).end();
        assertNotNull(g.header());
        assertEquals("g0:t:replaced", g.header());
    }
}
