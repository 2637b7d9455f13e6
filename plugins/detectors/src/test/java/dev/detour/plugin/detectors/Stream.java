package dev.detour.plugin.detectors;

import dev.detour.api.ErrorKind;
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;
import dev.detour.api.model.FinishReason;
import dev.detour.api.testing.FakeTarget;
import dev.detour.api.view.TargetView;

/**
 * A synthetic stream of attempts on one target, on an injected time axis: each attempt finishes
 * {@code stepNanos} after the previous one. It feeds a detector and keeps what core would keep: the
 * latest signal, and the score core derives from it alone (1 - severity).
 */
final class Stream {
    static final long MS = 1_000_000L;
    static final long SECOND = 1_000_000_000L;

    private final QualityDetector detector;
    private final TargetView target;
    private long now = 1_000 * SECOND;
    private long stepNanos = 100 * MS;
    private Signal last;
    private int count;
    private int promptTokens = 100;

    Stream(QualityDetector detector, String targetId) {
        this.detector = detector;
        this.target = FakeTarget.of(targetId);
    }

    Stream every(long nanos) {
        stepNanos = nanos;
        return this;
    }

    /** Sets the prompt size of the following attempts (100 tokens unless set). */
    Stream prompt(int tokens) {
        promptTokens = tokens;
        return this;
    }

    /** Moves the time axis forward without an attempt. */
    void pause(long nanos) {
        now += nanos;
    }

    Signal feed(AttemptObservation o) {
        count++;
        Signal s = detector.observe(o);
        if (s != null) {
            last = s;
        }
        return s;
    }

    /** A successful non-stream answer. */
    Signal ok(double latencyMs, int outputTokens, String text, FinishReason finish, boolean json) {
        now += stepNanos;
        return feed(new AttemptObservation(target, now, true, null, 200, latencyMs, -1, promptTokens, outputTokens, text,
                finish, json, false, "req-" + count));
    }

    Signal ok(double latencyMs, int outputTokens) {
        return ok(latencyMs, outputTokens, "fine answer", FinishReason.STOP, false);
    }

    /** A successful streamed answer with a time to first token. */
    Signal stream(double latencyMs, double ttftMs, int outputTokens) {
        now += stepNanos;
        return feed(new AttemptObservation(target, now, true, null, 200, latencyMs, ttftMs, promptTokens, outputTokens,
                "fine answer", FinishReason.STOP, false, true, "req-" + count));
    }

    Signal answer(String text) {
        return ok(500, Math.max(1, text.length() / 4), text, FinishReason.STOP, false);
    }

    Signal fail(ErrorKind kind, int status) {
        now += stepNanos;
        return feed(new AttemptObservation(target, now, false, kind, status, 200, -1, 100, 0, "", null, false, false,
                "req-" + count));
    }

    /** The latest signal's severity, 0 when none was emitted yet (core's neutral). */
    double severity() {
        return last == null ? 0 : last.severity();
    }

    /** The score core computes from this detector's latest signal alone. */
    double score() {
        return 1 - severity();
    }

    Signal last() {
        return last;
    }
}
