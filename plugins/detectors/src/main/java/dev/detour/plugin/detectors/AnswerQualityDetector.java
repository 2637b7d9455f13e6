package dev.detour.plugin.detectors;

import dev.detour.api.ErrorKind;
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;
import dev.detour.api.model.FinishReason;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code quality} detector: the share of bad answers in a target's recent answers (a window
 * bounded by count and by age on the attempts' {@code atNanos}).
 *
 * <p>An answer is bad outright when it is empty (and not a tool call), repetitive (its repeated
 * 3-gram share reaches {@code max_repetition}), not valid JSON although JSON was requested, or when
 * core's {@code quality_gate} already failed it (an attempt failed with {@link ErrorKind#DEGRADED}).
 * Truncation ({@code finish_reason: length}) and refusals happen normally too, and depend first on
 * what clients ask (a small {@code max_tokens}, a question every model refuses): for them only the
 * excess of the window's share over the target's learned normal share counts, and only the part
 * of it that sets the target apart from its peers on the route: the least excess among the other
 * targets judged within {@value #PEER_FRESH_SECONDS} s is subtracted, and without such a peer
 * (the route's traffic all on this target, or a single-target route) truncation and refusals are
 * not judged, since a change of traffic mix cannot be told from a target's fault. The normal share is
 * the mean of the first {@code min_samples} answers, then follows at {@code learning_rate} while the
 * excess stays within half the tolerated share, and ten times slower otherwise (so a spike is not
 * learned as normal, but a lasting change eventually is).
 * The bad share's denominator is never below {@code min_samples}, so a new target starts neutral.
 * Other failed attempts are left to the {@code errors} detector.
 *
 * <p>The text may be a bounded sample (the engine passes at most the first 64 KiB of a streamed
 * answer), so every check reads the start of it (refusals the first
 * {@value AnswerChecks#REFUSAL_HEAD} characters, repetition the first
 * {@value AnswerChecks#MAX_CHARS}) or, for JSON, does not judge a long text that stops inside
 * the document. Nothing of the text is kept: per target only the window's flags.
 *
 * <p>Called on the event loop; O(window + answer length) per observation, the text capped at
 * {@value AnswerChecks#MAX_CHARS} characters.
 */
public final class AnswerQualityDetector implements QualityDetector {

    /** The detector's type, as written in {@code detectors:} and in signals. */
    public static final String TYPE = "quality";

    static final int EMPTY = 1;
    static final int REPETITIVE = 2;
    static final int INVALID_JSON = 4;
    static final int GATE = 8;
    static final int TRUNCATED = 16;
    static final int REFUSAL = 32;
    private static final int OUTRIGHT = EMPTY | REPETITIVE | INVALID_JSON | GATE;
    /** How long a peer's excess counts as "the same traffic, now". */
    static final long PEER_FRESH_SECONDS = 30;
    private static final long PEER_FRESH_NANOS = PEER_FRESH_SECONDS * 1_000_000_000L;

    /** The latest truncation and refusal excesses of the route's targets (a handful; the oldest makes room). */
    private final String[] peerIds = new String[4];
    private final double[][] peerExcess = new double[4][2];
    private final long[] peerAt = new long[4];

    private final QualityOptions options;
    private final List<String> refusals;
    private final TargetStates<TargetState> targets;

    public AnswerQualityDetector(QualityOptions options) {
        this.options = options == null ? QualityOptions.defaults() : options;
        this.refusals = AnswerChecks.normalisePatterns(this.options.refusalPatterns());
        int window = this.options.window();
        long nanos = this.options.windowTimeNanos();
        this.targets = new TargetStates<>(() -> new TargetState(window, nanos));
    }

    /** The flags of one attempt, or -1 when this detector does not judge it. */
    int classify(AttemptObservation a) {
        if (!a.success()) {
            return a.errorKind() == ErrorKind.DEGRADED ? GATE : -1;
        }
        String text = a.text() == null ? "" : a.text();
        FinishReason finish = a.finishReason();
        boolean toolCall = finish == FinishReason.TOOL_CALLS || finish == FinishReason.FUNCTION_CALL;
        int flags = 0;
        boolean empty = AnswerChecks.empty(text);
        if (empty && options.enabled("empty") && !toolCall && finish != FinishReason.CONTENT_FILTER) {
            flags |= EMPTY;
        }
        if (!empty && options.enabled("repetition")
                && AnswerChecks.repetition(text, options.minWords()) >= options.maxRepetition()) {
            flags |= REPETITIVE;
        }
        if (a.jsonRequested() && !empty && !toolCall && options.enabled("invalid_json")
                && !AnswerChecks.validJson(text)) {
            flags |= INVALID_JSON;
        }
        if (finish == FinishReason.LENGTH && options.enabled("truncation")) {
            flags |= TRUNCATED;
        }
        if (!empty && options.enabled("refusal") && AnswerChecks.refusal(text, refusals)) {
            flags |= REFUSAL;
        }
        return flags;
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        int flags = classify(attempt);
        if (flags < 0) {
            return null;
        }
        TargetState s = targets.get(attempt.target().id());
        synchronized (s) {
            s.window.add(attempt.atNanos(), 0, flags);
            s.seen++;
            int n = s.window.size();
            double denominator = Math.max(n, options.minSamples());
            double outright = s.window.countFlags(OUTRIGHT) / denominator;
            double truncShare = s.window.countFlags(TRUNCATED) / denominator;
            double refusalShare = s.window.countFlags(REFUSAL) / denominator;
            double truncExcess = Math.max(0, truncShare - s.normalTruncation);
            double refusalExcess = Math.max(0, refusalShare - s.normalRefusal);
            s.normalTruncation = learn(s, s.normalTruncation, (flags & TRUNCATED) != 0, truncExcess);
            s.normalRefusal = learn(s, s.normalRefusal, (flags & REFUSAL) != 0, refusalExcess);
            double[] peer = peerExcess(attempt.target().id(), truncExcess, refusalExcess, attempt.atNanos());
            double apart = peer == null ? 0 : Math.max(0, truncExcess - peer[0]) + Math.max(0, refusalExcess - peer[1]);
            double bad = Math.min(1, outright + apart);
            double severity = Severity.round(Severity.ramp(bad, options.toleratedShare(), options.degradedShare(),
                    options.unhealthyShare()));
            return new Signal(TYPE, attempt.target().id(), severity,
                    severity == 0 ? Severity.FINE : reason(s, n, bad, truncShare, refusalShare));
        }
    }

    /**
     * Records {@code id}'s truncation and refusal excesses at {@code now} and returns, for each,
     * the least among the other targets judged within the freshness limit; null when there is none.
     */
    private synchronized double[] peerExcess(String id, double truncation, double refusal, long now) {
        int slot = -1;
        int oldest = -1;
        double[] least = null;
        for (int i = 0; i < peerIds.length; i++) {
            if (peerIds[i] == null) {
                if (slot < 0) {
                    slot = i;
                }
                continue;
            }
            if (peerIds[i].equals(id)) {
                slot = i;
            } else if (now - peerAt[i] <= PEER_FRESH_NANOS) {
                if (least == null) {
                    least = new double[] {peerExcess[i][0], peerExcess[i][1]};
                } else {
                    least[0] = Math.min(least[0], peerExcess[i][0]);
                    least[1] = Math.min(least[1], peerExcess[i][1]);
                }
            }
            if (oldest < 0 || peerAt[i] < peerAt[oldest]) {
                oldest = i;
            }
        }
        int at = slot < 0 ? oldest : slot;
        peerIds[at] = id;
        peerExcess[at][0] = truncation;
        peerExcess[at][1] = refusal;
        peerAt[at] = now;
        return least;
    }

    private double learn(TargetState s, double normal, boolean hit, double excess) {
        double x = hit ? 1 : 0;
        if (s.seen <= options.minSamples()) {
            return normal + (x - normal) / s.seen;
        }
        // Learning stops as soon as a rise shows (half the tolerated share), so the normal share
        // cannot chase a spike; a lasting change is still absorbed, ten times slower.
        double rate = excess <= options.toleratedShare() / 2 ? options.learningRate() : options.learningRate() / 10;
        return normal + rate * (x - normal);
    }

    private static String reason(TargetState s, int n, double bad, double truncShare, double refusalShare) {
        List<String> parts = new ArrayList<>();
        count(parts, s.window.countFlags(EMPTY), "empty");
        count(parts, s.window.countFlags(REPETITIVE), "repetitive");
        count(parts, s.window.countFlags(INVALID_JSON), "invalid JSON");
        count(parts, s.window.countFlags(GATE), "failed the quality gate");
        StringBuilder r = new StringBuilder(String.format(Locale.ROOT, "bad-answer share %.2f over the last %d answers",
                bad, n));
        if (!parts.isEmpty()) {
            r.append(": ").append(String.join(", ", parts));
        }
        if (truncShare > 0 || s.normalTruncation > 0.005) {
            r.append(String.format(Locale.ROOT, "; truncated %.0f%% (normal %.0f%%)", 100 * truncShare,
                    100 * s.normalTruncation));
        }
        if (refusalShare > 0 || s.normalRefusal > 0.005) {
            r.append(String.format(Locale.ROOT, "; refusals %.0f%% (normal %.0f%%)", 100 * refusalShare,
                    100 * s.normalRefusal));
        }
        return r.toString();
    }

    private static void count(List<String> parts, int n, String what) {
        if (n > 0) {
            parts.add(n + " " + what);
        }
    }

    private static final class TargetState {
        final EventWindow window;
        long seen;
        double normalTruncation;
        double normalRefusal;

        TargetState(int count, long nanos) {
            window = new EventWindow(count, nanos);
        }
    }
}
