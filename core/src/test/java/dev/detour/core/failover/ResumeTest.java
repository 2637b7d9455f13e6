package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.core.config.GatewayConfig;
import io.vertx.core.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mid-stream resume ({@code stream.resume: true}) through the real engine on a manual clock: a
 * committed stream that is cut goes on, in the same stream, on the plan's next target, asked by
 * its adapter to continue the text the client has; what cannot be continued ends as today.
 */
class ResumeTest {
    final EngineFixture f = new EngineFixture();
    final EngineFixture.Client client = new EngineFixture.Client();

    @BeforeEach
    void resumeOn() {
        f.stream = new GatewayConfig.StreamPolicy(0, Duration.ofSeconds(1), true);
    }

    static ChatChunk other(String text) {
        return ChatChunk.text("other-id", "m2", 99, text);
    }

    static ChatChunk otherRole() {
        return new ChatChunk("other-id", "m2", 99, 0, "assistant", "", null, List.of(), null, null, null);
    }

    static ChatChunk finish() {
        return new ChatChunk("other-id", "m2", 99, 0, null, null, null, List.of(), FinishReason.STOP, null, null);
    }

    @Test
    void a_cut_stream_continues_on_the_next_target_as_one_stream() {
        Future<EngineResult<Void>> result = f.stream(client);
        EngineFixture.Pending<Void> first = f.adapterA.last();
        first.send(EngineFixture.roleOnly());
        first.send(EngineFixture.content("Hel"));
        first.send(EngineFixture.content("lo wor"));

        first.fail(new ProviderException(ErrorKind.CONNECTION, 0, "connection reset"));

        // b is asked to continue what the client has, by its adapter's mechanism (here the default)
        EngineFixture.Pending<Void> second = f.adapterB.last();
        List<Message> sent = second.request.messages();
        assertEquals(3, sent.size());
        assertEquals("hello", sent.get(0).text());
        assertEquals("assistant", sent.get(1).role());
        assertEquals("Hello wor", sent.get(1).text());
        assertEquals(ProviderAdapter.CONTINUE_INSTRUCTION, sent.get(2).text());
        assertEquals("user", sent.get(2).role());
        assertNull(second.call.inbound(), "the client's bytes no longer say what is sent");

        second.send(otherRole());
        second.send(other("ld"));
        second.send(finish());
        second.succeed(null);

        // One stream: a's commit only, no second role, a's id and creation time on b's chunks
        assertEquals(List.of("commit a/m", "(assistant)", "Hel", "lo wor", "resumed b/m", "ld", "(null)"), client.events);
        assertTrue(client.chunks.stream().allMatch(c -> c.id().equals("id") && c.created() == 0), client.chunks.toString());
        assertEquals(List.of(new Resumption("a/m", "b/m", 9, "connection")), client.resumptions);
        EngineResult<Void> r = result.result();
        assertNull(r.failure());
        assertEquals(f.b, r.target());
        assertEquals(Arrays.asList("connection", null), r.attempts().stream().map(AttemptRecord::kind).toList());
    }

    @Test
    void the_whitespace_the_client_has_at_the_join_is_not_sent_twice() {
        f.stream(client);
        f.adapterA.last().send(EngineFixture.content("Hello "));
        f.adapterA.last().fail(new ProviderException(ErrorKind.TIMEOUT, 0, "no chunk within the idle timeout"));

        EngineFixture.Pending<Void> second = f.adapterB.last();
        second.send(other(" "));
        second.send(other(" world"));
        second.send(other(" again"));

        assertEquals(List.of("commit a/m", "Hello ", "resumed b/m", "world", " again"), client.events);
    }

    @Test
    void a_continuation_that_starts_by_repeating_the_end_of_the_text_goes_out_without_it() {
        f.stream(client);
        f.adapterA.last().send(EngineFixture.content("The quick brown fox "));
        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        // b starts again a few words back: held at the join, the repeat is dropped
        EngineFixture.Pending<Void> second = f.adapterB.last();
        second.send(other("quick brown "));
        second.send(other("fox jumps"));
        assertEquals(List.of("commit a/m", "The quick brown fox ", "resumed b/m"), client.events, "held at the join");
        second.send(finish());
        second.succeed(null);

        assertEquals(List.of("commit a/m", "The quick brown fox ", "resumed b/m", "jumps"), client.events);
        assertEquals(FinishReason.STOP, client.chunks.get(client.chunks.size() - 1).finishReason());
    }

    @Test
    void a_continuation_that_repeats_nothing_is_let_go_whole_at_the_join() {
        f.stream(client);
        f.adapterA.last().send(EngineFixture.content("The quick brown fox "));
        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        EngineFixture.Pending<Void> second = f.adapterB.last();
        second.send(other("jumps over the lazy dog, "));
        second.send(other("and the cat watches it all from the fence "));
        second.send(other("quietly."));
        second.succeed(null);

        assertEquals(List.of("commit a/m", "The quick brown fox ", "resumed b/m",
                "jumps over the lazy dog, and the cat watches it all from the fence ", "quietly."), client.events,
                "held until the join's length, then passed on as it comes");
    }

    @Test
    void text_held_at_the_join_goes_out_when_the_continuation_ends_without_a_finish() {
        f.stream(client);
        f.adapterA.last().send(EngineFixture.content("The quick brown fox "));
        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        f.adapterB.last().send(other("jumps."));
        f.adapterB.<Void>last().succeed(null);

        assertEquals(List.of("commit a/m", "The quick brown fox ", "resumed b/m", "jumps."), client.events);
    }

    @Test
    void a_stream_cut_after_a_tool_call_started_ends_interrupted() {
        Future<EngineResult<Void>> result = f.stream(client);
        f.adapterA.last().send(EngineFixture.content("Let me check. "));
        f.adapterA.last().send(new ChatChunk("id", "m", 0, 0, null, null, null,
                List.of(new ToolCallDelta(0, "call_1", "weather", "{\"ci")), null, null, null));

        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        assertEquals("stream_interrupted", result.result().failure().code());
        assertEquals(0, f.adapterB.calls.size(), "a half-sent tool call cannot be finished elsewhere");
    }

    @Test
    void a_stream_cut_after_its_finish_is_not_continued() {
        Future<EngineResult<Void>> result = f.stream(client);
        f.adapterA.last().send(EngineFixture.content("Done."));
        f.adapterA.last().send(new ChatChunk("id", "m", 0, 0, null, null, null, List.of(), FinishReason.STOP, null, null));

        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset before the usage"));

        assertEquals("stream_interrupted", result.result().failure().code());
        assertEquals(0, f.adapterB.calls.size());
    }

    @Test
    void with_no_target_left_a_cut_stream_ends_interrupted() {
        f.targets = List.of(f.a);
        Future<EngineResult<Void>> result = f.stream(client);
        f.adapterA.last().send(EngineFixture.content("Hi"));

        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        EngineResult.Failure failure = result.result().failure();
        assertEquals("stream_interrupted", failure.code());
        assertEquals("the stream from 'a/m' failed after it had started: reset", failure.message());
    }

    @Test
    void when_the_next_target_cannot_continue_the_stream_ends_interrupted_naming_both() {
        Future<EngineResult<Void>> result = f.stream(client);
        f.adapterA.last().send(EngineFixture.content("Hi"));
        f.adapterA.last().fail(new ProviderException(ErrorKind.SERVER_ERROR, 500, "in-band error"));

        // b refuses the continuation as a bad request (a model that takes no prefill): not the client's fault
        f.adapterB.last().fail(new ProviderException(ErrorKind.INVALID_REQUEST, 400, "prefill not supported"));

        EngineResult.Failure failure = result.result().failure();
        assertEquals("stream_interrupted", failure.code());
        assertEquals(502, failure.status());
        assertTrue(failure.message().startsWith("the stream from 'a/m' failed after it had started: in-band error;"
                + " no target could continue it: "), failure.message());
        assertTrue(failure.message().contains("prefill not supported"), failure.message());
        assertEquals(List.of("commit a/m", "Hi"), client.events, "nothing of b reached the client");
    }

    @Test
    void a_continuation_cut_in_turn_goes_on_to_the_next_target() {
        f.targets = List.of(f.a, f.b, f.c);
        Future<EngineResult<Void>> result = f.stream(client);
        f.adapterA.last().send(EngineFixture.content("One "));
        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));
        f.adapterB.last().send(other("two "));
        f.adapterB.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        EngineFixture.Pending<Void> third = f.adapterC.last();
        assertEquals("One two ", third.request.messages().get(1).text(), "the text the client has, from both");
        third.send(other("three"));
        third.send(new ChatChunk("c", "m3", 1, 0, null, null, null, List.of(), null, Usage.of(3, 4), null));
        third.succeed(null);

        assertEquals(List.of("commit a/m", "One ", "resumed b/m", "two ", "resumed c/m", "three", "(null)"),
                client.events);
        assertEquals(List.of(new Resumption("a/m", "b/m", 4, "connection"), new Resumption("b/m", "c/m", 8, "connection")),
                client.resumptions);
        assertNull(result.result().failure());
    }

    @Test
    void a_continuation_with_nothing_to_add_ends_the_stream_even_under_an_empty_answer_gate() {
        f.qualityGate = Set.of("empty");
        Future<EngineResult<Void>> result = f.stream(client);
        f.adapterA.last().send(EngineFixture.content("All done."));
        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        f.adapterB.last().send(finish());
        f.adapterB.<Void>last().succeed(null);

        assertNull(result.result().failure());
        assertEquals(List.of("commit a/m", "All done.", "resumed b/m", "(null)"), client.events);
    }

    @Test
    void off_by_default() {
        f.stream = GatewayConfig.StreamPolicy.DEFAULTS;
        Future<EngineResult<Void>> result = f.stream(client);
        f.adapterA.last().send(EngineFixture.content("Hi"));

        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        assertEquals("stream_interrupted", result.result().failure().code());
        assertEquals(0, f.adapterB.calls.size());
    }
}
