package dev.detour.core.failover;

import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Usage;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.WireBody;
import dev.detour.core.config.GatewayConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Between a streamed request's attempts and its client: nothing reaches the client before the
 * stream is committed to one attempt, so every failure before that fails over invisibly.
 * Chunks are held back until the first content chunk, which commits the stream at once; with
 * {@code stream.min_tokens_per_s}, the stream is held on for the probe window after it and
 * committed only if its throughput reaches the floor (else the attempt fails as degraded). After
 * the commit every chunk goes straight through, and each one restarts the attempt's idle timeout.
 *
 * <p>It also keeps the scrubber's guard against a secret split across chunks, and the sample of
 * the streamed answer the route's detectors judge. One gate serves every attempt of a request
 * ({@link #begin}). On a route with {@code stream.resume}, it notes what the client was sent
 * ({@link Resume}): a committed stream that is cut may then be committed again, to the target that
 * continues it, whose chunks join the same stream. Not thread-safe: the engine's event loop only.
 */
final class StreamGate {
    /**
     * The most of a streamed answer's text kept for the detectors: they judge a sample (its start,
     * and the length of the whole), so a stream of any size costs bounded memory.
     */
    static final int MAX_OBSERVED_CHARS = 64 * 1024;
    /**
     * The most chunks held back before a stream is committed. Chunks without content (role-only,
     * keep-alive) do not commit a stream, and a probe window holds content; past this many the
     * stream is judged and committed (or failed) at once, so an upstream cannot fill memory with
     * chunks that never commit.
     */
    static final int MAX_HELD_CHUNKS = 1024;
    /** The shortest time a throughput is measured over, so chunks arriving at one instant are not infinitely fast. */
    private static final double MIN_PROBE_SECONDS = 1e-3;

    /** Told when the stream is committed to an attempt, before the held chunks go out. */
    interface Commits {
        /**
         * @param attempt   the attempt the stream now belongs to
         * @param latencyMs how long it took to earn the commit
         */
        void committed(Attempt<Void> attempt, long latencyMs);
    }

    private final StreamListener client;
    private final GatewayConfig.StreamPolicy policy;
    private final Scrubber scrubber;
    private final Clock clock;
    private final boolean sampled;
    private final Commits commits;
    /** What a cut stream needs to be continued on another target; null unless the route resumes streams. */
    private final Resume resume;

    private Attempt<Void> attempt;
    private boolean committed;
    private List<ChatChunk> held;
    private long probedChars;
    /** The current attempt's guard against secrets split across deltas, once it has seen a chunk. */
    private StreamScrubber guard;
    // The sample the detectors judge; text only when the route has detectors.
    private StringBuilder text;
    /** The whole streamed text's length; {@link #text} keeps only its start. */
    private long chars;
    private Usage usage;
    private FinishReason finish;

    /**
     * @param client  where committed chunks go
     * @param sampled whether to keep the answer's text for detectors
     * @param commits told of the commit
     */
    StreamGate(StreamListener client, GatewayConfig.StreamPolicy policy, Scrubber scrubber, Clock clock,
               boolean sampled, Commits commits) {
        this.client = client;
        this.policy = policy;
        this.scrubber = scrubber;
        this.clock = clock;
        this.sampled = sampled;
        this.commits = commits;
        this.resume = policy.resume() ? new Resume() : null;
    }

    /** The stream's resume state, or null when its route does not resume cut streams. */
    Resume resume() {
        return resume;
    }

    /** A new attempt starts: the gate now holds back its chunks, which go into the sink returned. */
    ChunkSink begin(Attempt<Void> a) {
        attempt = a;
        committed = false;
        held = null;
        probedChars = 0;
        guard = null;
        text = sampled ? new StringBuilder() : null;
        chars = 0;
        usage = null;
        finish = null;
        return new ChunkSink() {
            @Override
            public void next(ChatChunk chunk) {
                onChunk(a, chunk);
            }

            @Override
            public void next(ChatChunk chunk, WireBody wire) {
                a.call.chunkWire(chunk, wire);
                onChunk(a, chunk);
            }
        };
    }

    /** Whether the stream belongs to the current attempt. */
    boolean committed() {
        return committed;
    }

    /** A chunk from the adapter of {@code a}; ignored unless {@code a} is the current, live attempt. */
    private void onChunk(Attempt<Void> a, ChatChunk raw) {
        if (a != attempt || !a.live()) {
            return;
        }
        if (!scrubber.active()) {
            deliver(raw);
            return;
        }
        if (guard == null) {
            guard = new StreamScrubber(scrubber);
        }
        ChatChunk chunk = guard.next(raw);
        ChatChunk r = guard.poll();
        if (chunk == null && r == null && committed) {
            // Held back, but the upstream is alive: that is what the idle timeout watches.
            a.alive();
        }
        for (; r != null && !a.call.cancelled(); r = guard.poll()) {
            deliver(r);
        }
        if (chunk != null && !a.call.cancelled()) {
            deliver(chunk);
        }
    }

    /**
     * The current attempt's stream ended, or broke after it was committed: no more of a secret can
     * follow, so what the guard still holds as one's possible beginning goes out before the end.
     */
    void release() {
        if (guard != null) {
            releaseGuard();
        }
        ChatChunk held = resume == null || !committed ? null : resume.drain();
        if (held != null) {
            resume.sent(held);
            client.chunk(held, null);
        }
    }

    private void releaseGuard() {
        guard.end();
        for (ChatChunk r = guard.poll(); r != null; r = guard.poll()) {
            if (committed) {
                forward(r);
            } else {
                if (attempt.firstTokenAt < 0 && r.hasContent()) {
                    attempt.firstTokenAt = clock.nanos();
                }
                if (held == null) {
                    held = new ArrayList<>(1);
                }
                held.add(r);
            }
        }
        guard = null;
    }

    /**
     * The current attempt answered in full before it was committed (within its probe window, or
     * without any content): it is served, held chunks and all.
     */
    void commitAtEnd(long latencyMs) {
        committed = true;
        commits.committed(attempt, latencyMs);
        flush();
    }

    /** The streamed text kept for the detectors (its start), or "" when none is kept. */
    String sampleText() {
        return text == null ? "" : text.toString();
    }

    /** The length of the whole streamed text. */
    long sampleChars() {
        return chars;
    }

    Usage usage() {
        return usage;
    }

    FinishReason finish() {
        return finish;
    }

    /** A chunk of the current attempt, as it may be sent: held until the commit, then passed on. */
    private void deliver(ChatChunk chunk) {
        sample(chunk);
        if (!committed) {
            hold(chunk);
            return;
        }
        attempt.alive();
        forward(chunk);
    }

    private void sample(ChatChunk chunk) {
        if (text != null && chunk.text() != null) {
            String t = chunk.text();
            chars += t.length();
            int room = MAX_OBSERVED_CHARS - text.length();
            if (room > 0) {
                text.append(t, 0, Math.min(room, t.length()));
            }
        }
        if (chunk.usage() != null) {
            usage = chunk.usage();
        }
        if (chunk.finishReason() != null) {
            finish = chunk.finishReason();
        }
    }

    private void hold(ChatChunk chunk) {
        if (held == null) {
            held = new ArrayList<>(4);
        }
        held.add(chunk);
        if (held.size() >= MAX_HELD_CHUNKS) {
            // Enough held back: judge now rather than hold more.
            if (attempt.firstTokenAt < 0) {
                attempt.firstTokenAt = clock.nanos();
            }
            if (!probing() || throughputOk()) {
                commit();
            }
            return;
        }
        if (!chunk.hasContent()) {
            return;
        }
        if (attempt.firstTokenAt < 0) {
            attempt.firstTokenAt = clock.nanos();
            if (probing()) {
                // Hold the stream for the probe window and judge its throughput before it is committed.
                probedChars = 0;
                attempt.armProbe(policy.probeWindow().toMillis(), this::probeWindowOver);
            }
        }
        if (probing()) {
            probedChars += chunk.text() == null ? 0 : chunk.text().length();
            if (clock.nanos() - attempt.firstTokenAt < policy.probeWindow().toNanos() || !throughputOk()) {
                return;
            }
        }
        commit();
    }

    private boolean probing() {
        return policy.minTokensPerS() > 0;
    }

    private void probeWindowOver() {
        if (!committed && throughputOk()) {
            commit();
        }
    }

    /** Whether the probed stream is fast enough; if not, the attempt fails as degraded. */
    private boolean throughputOk() {
        double seconds = Math.max(MIN_PROBE_SECONDS, (clock.nanos() - attempt.firstTokenAt) / 1e9);
        double rate = Tokens.rate(probedChars, seconds);
        if (rate >= policy.minTokensPerS()) {
            return true;
        }
        attempt.fail(new ProviderException(ErrorKind.DEGRADED, 200, String.format(Locale.ROOT,
                "stream throughput %.1f tokens/s is below stream.min_tokens_per_s %s", rate, policy.minTokensPerS())));
        return false;
    }

    /** Commits the stream to the current attempt at its first token and flushes what was held back. */
    private void commit() {
        committed = true;
        commits.committed(attempt, (attempt.firstTokenAt - attempt.startedAt) / 1_000_000);
        flush();
        attempt.alive();
    }

    private void flush() {
        List<ChatChunk> flush = held;
        held = null;
        if (flush != null) {
            flush.forEach(this::forward);
        }
    }

    /**
     * The one way a chunk reaches the client: with its upstream bytes when the adapter delivered
     * this very instance with them (a chunk the guard rewrote is another instance and goes without).
     * On a resuming route it is noted as sent, and a continuation's chunk joins the first stream
     * (another id than the upstream's, so it goes without its bytes).
     */
    private void forward(ChatChunk chunk) {
        WireBody wire = attempt.call.takeChunkWire(chunk);
        if (resume != null) {
            ChatChunk joined = resume.continued(chunk);
            if (joined != chunk) {
                wire = null;
                if (joined == null) {
                    return;
                }
                chunk = joined;
            }
            resume.sent(chunk);
        }
        client.chunk(chunk, wire);
    }
}
