package dev.detour.sample.refusal;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Judges each target by the share of refusals among its last {@code window} answers: severity is
 * that share, so a target that refuses everything is unusable and one that refuses now and then
 * only degraded. Core calls it on the event loop, one instance per route; the per-target windows
 * are ring buffers of booleans, so an observation costs a scan of the phrases and no allocation.
 */
final class RefusalDetector implements QualityDetector {
    static final String TYPE = "refusal";

    /** The last answers of one target: true where it refused. */
    private static final class Window {
        final boolean[] refused;
        int next;
        int size;
        int count;

        Window(int n) {
            refused = new boolean[n];
        }

        void add(boolean r) {
            if (size == refused.length && refused[next]) {
                count--;
            }
            refused[next] = r;
            if (r) {
                count++;
            }
            next = (next + 1) % refused.length;
            size = Math.min(size + 1, refused.length);
        }
    }

    private final List<String> phrases;
    private final int window;
    private final int minAnswers;
    private final Map<String, Window> windows = new HashMap<>();

    RefusalDetector(RefusalOptions options) {
        this.phrases = options.phrases();
        this.window = options.window();
        this.minAnswers = options.minAnswers();
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        if (!attempt.success()) {
            return null;   // errors and timeouts are the errors detector's business
        }
        Window w = windows.computeIfAbsent(attempt.target().id(), id -> new Window(window));
        w.add(refusal(attempt.text()));
        if (w.size < minAnswers) {
            return null;
        }
        return new Signal(TYPE, attempt.target().id(), (double) w.count / w.size,
                w.count + " of the last " + w.size + " answers were refusals");
    }

    boolean refusal(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        for (String p : phrases) {
            if (t.contains(p)) {
                return true;
            }
        }
        return false;
    }
}
