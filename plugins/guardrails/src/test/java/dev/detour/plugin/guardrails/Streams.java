package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/**
 * Plays core's side of {@link GuardrailCheck#outputText}: text arrives in chunks; core shows the
 * check what it holds plus what arrived, sends all of the verdict's text but its last
 * {@code streamWindow()} characters, and holds those for the next call.
 */
final class Streams {

    /** What the client got, or the reason of a denial (then {@code denied} is true). */
    record Result(String sent, boolean denied, String reason, List<String> reasons) {
    }

    private Streams() {
    }

    static Result play(GuardrailCheck check, List<String> chunks) {
        int window = check.streamWindow();
        StringBuilder sent = new StringBuilder();
        String held = "";
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            boolean end = i == chunks.size() - 1;
            String pending = held + chunks.get(i);
            GuardrailVerdict<String> v = now(check.outputText(0, pending, end));
            if (!v.allowed()) {
                return new Result(sent.toString(), true, v.reason(), reasons);
            }
            if (v.reason() != null && !reasons.contains(v.reason())) {
                reasons.add(v.reason());
            }
            String text = v.replacement() != null ? v.replacement() : pending;
            int keep = end ? 0 : Math.min(window, text.length());
            sent.append(text, 0, text.length() - keep);
            held = text.substring(text.length() - keep);
        }
        return new Result(sent.toString(), false, null, reasons);
    }

    /** {@code text} cut at {@code at} (ascending positions). */
    static List<String> split(String text, int... at) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int a : at) {
            out.add(text.substring(from, a));
            from = a;
        }
        out.add(text.substring(from));
        return out;
    }

    /** {@code text} one character per chunk (a surrogate pair stays whole). */
    static List<String> perChar(String text) {
        List<String> out = new ArrayList<>();
        text.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    /** {@code text} in chunks of {@code size}. */
    static List<String> chunks(String text, int size) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < text.length(); i += size) {
            out.add(text.substring(i, Math.min(text.length(), i + size)));
        }
        return out;
    }

    static <T> T now(Future<T> f) {
        if (!f.isComplete()) {
            throw new AssertionError("the check did not answer inline");
        }
        if (f.failed()) {
            throw new AssertionError(f.cause());
        }
        return f.result();
    }
}
