package dev.detour.sample.refusal;

import java.util.List;
import java.util.Locale;

/**
 * Options of {@code detectors: [ { type: refusal, ... } ]}.
 *
 * @param phrases    an answer containing one of them (any case) is a refusal
 * @param window     how many recent answers per target are judged
 * @param minAnswers how many answers a target needs before the detector says anything
 */
public record RefusalOptions(List<String> phrases, Integer window, Integer minAnswers) {
    static final List<String> DEFAULT_PHRASES = List.of("i can't help with", "i cannot help with", "i'm sorry, but",
            "i am unable to", "as an ai");

    public RefusalOptions {
        phrases = phrases == null ? DEFAULT_PHRASES : phrases.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
        window = window == null ? 20 : window;
        minAnswers = minAnswers == null ? 5 : minAnswers;
        if (phrases.isEmpty() || phrases.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("phrases: list at least one, none blank");
        }
        if (window < 1 || window > 10_000) {
            throw new IllegalArgumentException("window: must be 1..10000 (was " + window + ")");
        }
        if (minAnswers < 1 || minAnswers > window) {
            throw new IllegalArgumentException("min_answers: must be 1..window (was " + minAnswers + ")");
        }
    }
}
