package dev.detour.plugin.detectors;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.Locale;

/**
 * The {@code latency} detector: compares each target's recent latency with its own learned
 * baseline <em>for the same kind of work</em>, and with its peers on the route. A change of
 * traffic mix (streams instead of whole answers, long answers instead of short, large prompts
 * instead of small) is never a degradation: each answer is compared only with the history of
 * answers of its own kind.
 *
 * <p>Three measures of successful answers, kept apart:
 * <ul>
 *   <li>whole answers (not streamed): total latency per output token,
 *       {@code latency_ms / (output_tokens + token_offset)};</li>
 *   <li>time to first token (streams), the prefill's measure;</li>
 *   <li>decode time per token after the first (streams of at least {@value #MIN_DECODE_TOKENS}
 *       counted tokens): it does not depend on the answer's length.</li>
 * </ul>
 * Each measure learns one {@link Baseline} per class of work: prompt size (below 1024 tokens,
 * then factors of 4) and, for whole answers, {@code output_tokens + token_offset} in factors of
 * 2, so a class holds answers within a factor of two of each other's size and a call's fixed
 * overhead cannot make a short-answer mix look slower than a long-answer one. Each answer is
 * turned into a ratio, its value divided by its class's baseline (or by the measure's floor,
 * {@code fast_ms_per_token} or {@code fast_ttft_ms}, when the baseline is lower); the measure
 * judges the median of its last {@code window} ratios, whatever their classes. So a rise must
 * hold for more than half of the window to count (single slow outliers never do), a median below
 * the floor never counts (the gateway's own queueing under load is not a slower provider), and
 * recovery is seen after {@code window / 2 + 1} good answers of any kind. A class learns from its
 * first {@code min_samples} answers, which are not judged (a new kind of work is neutral until
 * then), and afterwards only while the measure's median is below the severity onset and only from
 * answers faster than {@code degraded_ratio} × the judged baseline, so a degradation does not
 * become the new normal.
 *
 * <p>Peers: when another target of the route was judged on the same measure within
 * {@value #PEER_FRESH_SECONDS} s and is itself slower than its own baselines, the cause is shared
 * (the traffic, the network, the gateway's own load) and this target's ratio is divided by the
 * least such peer ratio: only a target slower than its peers keeps its signal.
 *
 * <p>The signal is the worst of the measures fed within the target's last {@code 4 × window}
 * answers, so a route mixing streams and whole answers keeps each judgement without flipping with
 * each answer's kind, and a measure whose traffic stopped lapses. Failed attempts are ignored here
 * (the {@code errors} detector judges them).
 *
 * <p>State is per target id ({@code provider/model}): three rings of {@code window} numbers and
 * one baseline per class of work used (created on first use), nothing per answer. Called on the
 * event loop; O(window) per observation.
 */
public final class LatencyDetector implements QualityDetector {

    /** The detector's type, as written in {@code detectors:} and in signals. */
    public static final String TYPE = "latency";

    /** Streams with fewer counted tokens after the first say too little about decode speed. */
    static final int MIN_DECODE_TOKENS = 8;
    /** How long a peer's judgement counts as "the same traffic, now". */
    static final long PEER_FRESH_SECONDS = 30;

    static final int PROMPT_CLASSES = 4;
    static final int OUTPUT_CLASSES = 7;
    private static final int WHOLE = 0;
    private static final int TTFT = 1;
    private static final int DECODE = 2;
    private static final long PEER_FRESH_NANOS = PEER_FRESH_SECONDS * 1_000_000_000L;

    private final LatencyOptions options;
    private final double onset;
    private final TargetStates<TargetState> targets;
    private final Peers[] peers = {new Peers(), new Peers(), new Peers()};

    public LatencyDetector(LatencyOptions options) {
        this.options = options == null ? LatencyOptions.defaults() : options;
        this.onset = (1 + this.options.degradedRatio()) / 2;
        LatencyOptions o = this.options;
        this.targets = new TargetStates<>(() -> new TargetState(o));
    }

    /** The prompt-size class: below 1024 tokens, then factors of 4. */
    static int promptClass(int promptTokens) {
        int c = 0;
        for (long limit = 1024; c < PROMPT_CLASSES - 1 && promptTokens >= limit; limit *= 4) {
            c++;
        }
        return c;
    }

    /** The output-size class of {@code output_tokens + k}: factors of 2 from {@code 2k}. */
    static int outputClass(int outputTokens, int k) {
        int c = 0;
        for (long limit = 2L * k; c < OUTPUT_CLASSES - 1 && outputTokens + k >= limit; limit *= 2) {
            c++;
        }
        return c;
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        if (!attempt.success() || !(attempt.latencyMs() > 0)) {
            return null;
        }
        String id = attempt.target().id();
        TargetState state = targets.get(id);
        synchronized (state) {
            state.seq++;
            int prompt = promptClass(Math.max(0, attempt.promptTokens()));
            int out = Math.max(0, attempt.outputTokens());
            long at = attempt.atNanos();
            if (attempt.stream() || attempt.ttftMs() >= 0) {
                if (attempt.ttftMs() > 0) {
                    add(state.measures[TTFT], id, prompt, attempt.ttftMs(), at, state.seq);
                    double decodeMs = attempt.latencyMs() - attempt.ttftMs();
                    if (out >= MIN_DECODE_TOKENS && decodeMs > 0) {
                        add(state.measures[DECODE], id, 0, decodeMs / out, at, state.seq);
                    }
                }
            } else {
                add(state.measures[WHOLE], id, prompt * OUTPUT_CLASSES + outputClass(out, options.tokenOffset()),
                        attempt.latencyMs() / (out + options.tokenOffset()), at, state.seq);
            }
            Measure worst = null;
            long recent = state.seq - 4L * options.window();
            for (Measure m : state.measures) {
                if (m.last != null && m.lastSeq > recent && (worst == null || m.last.ratio > worst.last.ratio)) {
                    worst = m;
                }
            }
            if (worst == null) {
                return null;
            }
            Judgement j = worst.last;
            double severity = Severity.round(Severity.ramp(j.ratio, onset, options.degradedRatio(),
                    options.unhealthyRatio()));
            String reason = severity == 0 ? Severity.FINE : reason(worst.kind, j);
            return new Signal(TYPE, id, severity, reason);
        }
    }

    private void add(Measure m, String id, int cls, double value, long at, long seq) {
        m.lastSeq = seq;
        Judgement own = m.add(cls, value, onset, options.degradedRatio());
        if (own == null) {
            return;
        }
        double peer = peers[m.kind].record(id, own.ratio, at);
        m.last = peer > 1 ? new Judgement(own.median, own.ratio / peer, own.count, peer, own.value, own.baseline)
                : own;
    }

    private static String reason(int kind, Judgement j) {
        String what = switch (kind) {
            case WHOLE -> String.format(Locale.ROOT,
                    "p50 latency of the last %d answers is %.1fx the baseline for their prompt and answer size"
                            + " (last: %s ms/token, baseline %s)", j.count, j.ratio * j.peerRatio, num(j.value),
                    num(j.baseline));
            case TTFT -> String.format(Locale.ROOT,
                    "p50 time to first token of the last %d streams is %.1fx the baseline for their prompt size"
                            + " (last: %s ms, baseline %s ms)", j.count, j.ratio * j.peerRatio, num(j.value),
                    num(j.baseline));
            default -> String.format(Locale.ROOT,
                    "p50 decode time per token of the last %d streams is %.1fx the baseline"
                            + " (last: %s ms/token, baseline %s)", j.count, j.ratio * j.peerRatio, num(j.value),
                    num(j.baseline));
        };
        return j.peerRatio > 1
                ? what + String.format(Locale.ROOT, "; %.1fx its peers, which are %.1fx their own", j.ratio, j.peerRatio)
                : what;
    }

    static String num(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * One measure's judgement: the median ratio of its window (after the peers' shared rise, if
     * any, was divided out), that rise (1 when no fresh peer was slower than its own baselines),
     * and the last answer's value and class baseline, for the reason.
     */
    private record Judgement(double median, double ratio, int count, double peerRatio, double value,
                             double baseline) {
    }

    /** One measure: a baseline per class of work, and the window of the last answers' ratios. */
    private static final class Measure {
        private final LatencyOptions options;
        private final int kind;
        private final Baseline[] baselines;
        private final Windows.Ring ratios;
        /** The least baseline judged against: below it the measure is fast enough. */
        private final double floor;
        private Judgement last;
        private long lastSeq;

        Measure(LatencyOptions o, int kind, int classes, double floor) {
            this.options = o;
            this.kind = kind;
            this.baselines = new Baseline[classes];
            this.ratios = new Windows.Ring(o.window());
            this.floor = floor;
        }

        /**
         * Adds an answer of class {@code cls} and returns the measure's judgement, or null when the
         * answer was not judged (its class's baseline is being learned; the last judgement stands).
         */
        Judgement add(int cls, double value, double onset, double degraded) {
            Baseline baseline = baselines[cls];
            if (baseline == null) {
                baseline = baselines[cls] = new Baseline(options.minSamples(), options.learningRate());
            }
            if (!baseline.ready()) {
                // A new kind of work learns its yardstick only while the known kinds look normal, so
                // a degradation that comes with a new mix is not taken as that mix's normal.
                if (last == null || last.median < onset) {
                    baseline.learn(value);
                }
                return null;
            }
            double base = Math.max(baseline.value(), floor);
            ratios.add(value / base);
            double median = ratios.median();
            // Learn only in normal times, and not from the first slow answers of a rise either (they
            // come before the median turns), so a degradation never leaks into its own yardstick.
            if (median < onset && value < degraded * base) {
                baseline.learn(value);
            }
            last = new Judgement(median, median, ratios.size(), 1, value, base);
            return last;
        }
    }

    /**
     * The latest own ratios of one measure on the route's targets: a handful of entries (routes
     * have a few targets; past that, the oldest entry makes room).
     */
    private static final class Peers {
        private static final int SIZE = 4;
        private final String[] ids = new String[SIZE];
        private final double[] ratios = new double[SIZE];
        private final long[] at = new long[SIZE];

        /**
         * Records {@code id}'s ratio at {@code now} and returns the least ratio among the other
         * targets judged within the freshness limit, or 1 when there is none.
         */
        synchronized double record(String id, double ratio, long now) {
            int slot = -1;
            int oldest = -1;
            double least = Double.MAX_VALUE;
            for (int i = 0; i < SIZE; i++) {
                if (ids[i] == null) {
                    if (slot < 0) {
                        slot = i;
                    }
                    continue;
                }
                if (ids[i].equals(id)) {
                    slot = i;
                } else if (now - at[i] <= PEER_FRESH_NANOS) {
                    least = Math.min(least, ratios[i]);
                }
                if (oldest < 0 || at[i] < at[oldest]) {
                    oldest = i;
                }
            }
            ids[slot < 0 ? oldest : slot] = id;
            ratios[slot < 0 ? oldest : slot] = ratio;
            at[slot < 0 ? oldest : slot] = now;
            return least == Double.MAX_VALUE ? 1 : least;
        }
    }

    private static final class TargetState {
        final Measure[] measures;
        long seq;

        TargetState(LatencyOptions o) {
            measures = new Measure[] {
                new Measure(o, WHOLE, PROMPT_CLASSES * OUTPUT_CLASSES, o.fastMsPerToken()),
                new Measure(o, TTFT, PROMPT_CLASSES, o.fastTtftMs()),
                new Measure(o, DECODE, 1, o.fastMsPerToken()),
            };
        }
    }
}
