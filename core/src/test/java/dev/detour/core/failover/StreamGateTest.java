package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.core.config.GatewayConfig;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stream hold-back, commit and the throughput probe, through the real engine on a manual clock. */
class StreamGateTest {
    final EngineFixture f = new EngineFixture();
    final EngineFixture.Client client = new EngineFixture.Client();

    @Test
    void nothing_reaches_the_client_before_the_first_content_chunk() {
        f.stream(client);
        EngineFixture.Pending<?> call = f.adapterA.last();

        call.send(EngineFixture.roleOnly());
        assertEquals(List.of(), client.events);

        call.send(EngineFixture.content("Hel"));
        assertEquals(List.of("commit a/m", "(assistant)", "Hel"), client.events, "held chunks first, after the commit");

        call.send(EngineFixture.content("lo"));
        assertEquals(List.of("commit a/m", "(assistant)", "Hel", "lo"), client.events);
    }

    @Test
    void a_failure_before_the_commit_fails_over_invisibly() {
        Future<EngineResult<Void>> result = f.stream(client);

        f.adapterA.last().send(EngineFixture.roleOnly());
        f.adapterA.last().fail(new ProviderException(ErrorKind.SERVER_ERROR, 503, "busy"));
        EngineFixture.Pending<Void> second = f.adapterB.last();
        second.send(EngineFixture.roleOnly());
        second.send(EngineFixture.content("hi"));
        second.succeed(null);

        assertEquals(List.of("commit b/m", "(assistant)", "hi"), client.events, "nothing of a's attempt");
        assertEquals(f.b, client.committedTo);
        assertTrue(client.failover);
        EngineResult<Void> r = result.result();
        assertNull(r.failure());
        assertEquals(List.of(503, 200), r.attempts().stream().map(AttemptRecord::status).toList());
    }

    @Test
    void a_failure_after_the_commit_ends_the_stream() {
        Future<EngineResult<Void>> result = f.stream(client);

        f.adapterA.last().send(EngineFixture.content("hi"));
        f.adapterA.last().fail(new ProviderException(ErrorKind.CONNECTION, 0, "reset"));

        EngineResult.Failure failure = result.result().failure();
        assertEquals("stream_interrupted", failure.code());
        assertEquals(0, f.adapterB.calls.size(), "the stream belongs to a");
        assertEquals(1, result.result().attempts().size(), "one call, one entry");
        assertEquals("connection", result.result().attempts().get(0).kind());
    }

    @Test
    void a_stream_that_ends_before_any_content_is_served_whole() {
        Future<EngineResult<Void>> result = f.stream(client);

        f.adapterA.last().send(EngineFixture.roleOnly());
        f.adapterA.<Void>last().succeed(null);

        assertEquals(List.of("commit a/m", "(assistant)"), client.events);
        assertNull(result.result().failure());
    }

    @Test
    void the_probe_fails_a_slow_stream_over_at_the_end_of_its_window() {
        // Given a floor of 10 tokens/s judged over 1 s
        f.stream = new GatewayConfig.StreamPolicy(10, Duration.ofSeconds(1));
        Future<EngineResult<Void>> result = f.stream(client);
        EngineFixture.Pending<?> slow = f.adapterA.last();

        // When a sends one token's worth and then little more
        slow.send(EngineFixture.content("abcd"));
        f.scheduler.advanceMillis(500);
        slow.send(EngineFixture.content("efgh"));
        f.scheduler.advanceMillis(499);
        assertEquals(List.of(), client.events, "held for the probe window");
        assertEquals(0, f.adapterB.calls.size());

        // Then at the window's end its 2 tokens/s fail it as degraded, invisibly, and b is called
        f.scheduler.advanceMillis(1);
        assertEquals(ErrorKind.DEGRADED, slow.cancelledWith.kind());
        assertEquals(1, f.adapterB.calls.size());
        assertEquals(List.of(), client.events);

        // And b, fast enough, is committed when its own window ends
        EngineFixture.Pending<Void> fast = f.adapterB.last();
        fast.send(EngineFixture.content("x".repeat(80)));
        f.scheduler.advanceMillis(999);
        assertEquals(List.of(), client.events);
        f.scheduler.advanceMillis(1);
        assertEquals(List.of("commit b/m", "x".repeat(80)), client.events);
        fast.send(EngineFixture.content("!"));
        fast.succeed(null);
        assertEquals(List.of("commit b/m", "x".repeat(80), "!"), client.events);
        assertNull(result.result().failure());
        assertEquals("degraded", result.result().attempts().get(0).kind());
    }

    @Test
    void a_stream_that_ends_inside_its_probe_window_is_served_whole() {
        f.stream = new GatewayConfig.StreamPolicy(10, Duration.ofSeconds(1));
        Future<EngineResult<Void>> result = f.stream(client);
        EngineFixture.Pending<Void> call = f.adapterA.last();

        call.send(EngineFixture.content("short"));
        f.scheduler.advanceMillis(300);
        call.send(EngineFixture.content(" answer"));
        assertEquals(List.of(), client.events, "inside the window: held");
        call.succeed(null);

        assertEquals(List.of("commit a/m", "short", " answer"), client.events, "it answered: nothing to judge");
        assertNull(result.result().failure());
        assertEquals(0, f.scheduler.pending(), "the probe's timer went with the attempt");
    }

    @Test
    void held_chunks_are_bounded_a_stream_of_chunks_without_content_is_committed_at_the_bound() {
        f.stream(client);
        EngineFixture.Pending<?> call = f.adapterA.last();

        for (int i = 1; i < StreamGate.MAX_HELD_CHUNKS; i++) {
            call.send(EngineFixture.roleOnly());
        }
        assertEquals(List.of(), client.events);

        call.send(EngineFixture.roleOnly());
        assertEquals("commit a/m", client.events.get(0));
        assertEquals(StreamGate.MAX_HELD_CHUNKS + 1, client.events.size());
    }
}
