package dev.detour.plugin.detectors;

import dev.detour.api.detector.QualityDetector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A change of traffic mix is not a degradation: healthy targets, modelled as a hosted model
 * (fixed overhead, prefill per prompt token, decode per output token, ±10 % jitter), keep a score
 * of at least 0.8 (core's {@code healthy}) through each change the issue names, for every detector
 * that judges answers; and a real slowdown within the new mix is still seen.
 */
class MixChangeTest {

    private final SplittableRandom random = new SplittableRandom(7);

    /** A healthy provider: its timings for one answer. */
    private record Model(double overheadMs, double prefillMsPerToken, double decodeMsPerToken) {
    }

    private static final Model HOSTED = new Model(300, 0.05, 20);
    /** A reasoning model: a long think before the first token, then fast decoding. */
    private static final Model THINKER = new Model(2500, 0.05, 8);
    /** The test double of the ITs: a few milliseconds whatever is asked. */
    private static final Model LOCAL = new Model(1, 0, 0.01);

    /** One traffic mix: prompt tokens, output tokens (a range), streamed or not. */
    private record Mix(int prompt, int minOut, int maxOut, boolean stream) {
    }

    private static final Mix SHORT = new Mix(200, 5, 30, false);
    private static final Mix LONG = new Mix(200, 400, 900, false);
    private static final Mix SHORT_STREAMS = new Mix(200, 5, 30, true);
    private static final Mix LONG_STREAMS = new Mix(200, 400, 900, true);
    private static final Mix LARGE_PROMPTS = new Mix(30_000, 5, 30, false);
    private static final Mix LARGE_PROMPT_STREAMS = new Mix(30_000, 5, 30, true);

    private double jitter() {
        return 0.9 + 0.2 * random.nextDouble();
    }

    private void answer(Stream s, Model m, Mix mix, double slow) {
        int out = mix.minOut() + random.nextInt(mix.maxOut() - mix.minOut() + 1);
        double ttft = (m.overheadMs() + m.prefillMsPerToken() * mix.prompt()) * jitter() * slow;
        double total = ttft + m.decodeMsPerToken() * out * jitter() * slow;
        s.prompt(mix.prompt());
        if (mix.stream()) {
            s.stream(total, ttft, out);
        } else {
            s.ok(total, out, AnswerChecksTest.PROSE, dev.detour.api.model.FinishReason.STOP, false);
        }
    }

    private static QualityDetector[] detectors() {
        return new QualityDetector[] {
            new LatencyDetector(LatencyOptions.defaults()),
            new TokensDetector(TokensOptions.defaults()),
            new AnswerQualityDetector(QualityOptions.defaults()),
        };
    }

    /** 200 answers of {@code before}, then 200 of {@code after}: the score never leaves healthy. */
    private void staysHealthy(Model m, Mix before, Mix after) {
        for (QualityDetector d : detectors()) {
            Stream s = new Stream(d, "p/m");
            for (int i = 0; i < 200; i++) {
                answer(s, m, before, 1);
            }
            for (int i = 0; i < 200; i++) {
                answer(s, m, after, 1);
                assertTrue(s.score() >= 0.8, d.getClass().getSimpleName() + ", " + m + ", " + before + " -> " + after
                        + ", answer " + i + ": " + s.last());
            }
        }
    }

    @Test
    void whole_answers_then_streams() {
        for (Model m : new Model[] {HOSTED, THINKER, LOCAL}) {
            staysHealthy(m, SHORT, SHORT_STREAMS);
            staysHealthy(m, LONG, LONG_STREAMS);
            staysHealthy(m, SHORT_STREAMS, SHORT);
        }
    }

    @Test
    void short_answers_then_long_ones_and_back() {
        for (Model m : new Model[] {HOSTED, THINKER, LOCAL}) {
            staysHealthy(m, SHORT, LONG);
            staysHealthy(m, LONG, SHORT);
            staysHealthy(m, SHORT_STREAMS, LONG_STREAMS);
            staysHealthy(m, LONG_STREAMS, SHORT_STREAMS);
        }
    }

    @Test
    void small_prompts_then_large_ones() {
        for (Model m : new Model[] {HOSTED, THINKER, LOCAL}) {
            staysHealthy(m, SHORT, LARGE_PROMPTS);
            staysHealthy(m, SHORT_STREAMS, LARGE_PROMPT_STREAMS);
        }
    }

    @Test
    void a_slowdown_within_the_new_mix_is_still_seen() {
        for (Mix mix : new Mix[] {LONG, LONG_STREAMS, LARGE_PROMPTS, LARGE_PROMPT_STREAMS}) {
            Stream s = new Stream(new LatencyDetector(LatencyOptions.defaults()), "p/m");
            for (int i = 0; i < 100; i++) {
                answer(s, HOSTED, SHORT, 1);
            }
            for (int i = 0; i < 100; i++) {
                answer(s, HOSTED, mix, 1);
            }
            for (int i = 0; i < 30; i++) {
                answer(s, HOSTED, mix, 3.5);
            }
            assertTrue(s.score() < 0.3, mix + ": " + s.last());
        }
    }
}
