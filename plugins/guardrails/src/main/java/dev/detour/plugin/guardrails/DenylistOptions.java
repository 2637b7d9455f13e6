package dev.detour.plugin.guardrails;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.ArrayList;
import java.util.List;

/**
 * Options of the {@code denylist} guardrail.
 *
 * <pre>{@code
 * guardrails:
 *   - type: denylist
 *     patterns: ['project\s+falcon', 'INC-\d{6}']   # RE2 syntax (linear time)
 *     words: [acme-internal, codename]
 *     case_insensitive: true
 *     action: deny              # deny | redact
 *     stream_window: 64         # longest text a pattern match can span in a stream
 * }</pre>
 *
 * @param patterns         regular expressions in RE2 syntax (no back-references or look-around, so every
 *                         match runs in linear time); a pattern that does not compile or matches the empty
 *                         text is an error naming its index
 * @param words            whole words or phrases matched literally
 * @param caseInsensitive  match ignoring case; default false
 * @param action           {@code deny} (default) or {@code redact} ({@code [REDACTED_1]} ...)
 * @param streamWindow     characters of a streamed answer held back for patterns: their longest match;
 *                         default {@value #DEFAULT_STREAM_WINDOW} (words need only their own length)
 * @param workerAboveChars text length above which a request or answer is matched off the event loop;
 *                         default {@value PiiOptions#DEFAULT_WORKER_ABOVE_CHARS}
 */
public record DenylistOptions(@JsonProperty("patterns") List<String> patterns,
                              @JsonProperty("words") List<String> words,
                              @JsonProperty("case_insensitive") Boolean caseInsensitive,
                              @JsonProperty("action") String action,
                              @JsonProperty("stream_window") Integer streamWindow,
                              @JsonProperty("worker_above_chars") Integer workerAboveChars) {

    public static final int DEFAULT_STREAM_WINDOW = 64;

    public DenylistOptions {
        patterns = Options.strings("patterns", patterns, List.of());
        words = Options.strings("words", words, List.of());
        if (patterns.isEmpty() && words.isEmpty()) {
            throw new IllegalArgumentException("denylist needs patterns or words");
        }
        caseInsensitive = caseInsensitive != null && caseInsensitive;
        action = Options.oneOf("action", action, "deny", "deny", "redact");
        streamWindow = Options.atLeast("stream_window", streamWindow, DEFAULT_STREAM_WINDOW, 1);
        workerAboveChars = Options.atLeast("worker_above_chars", workerAboveChars,
                PiiOptions.DEFAULT_WORKER_ABOVE_CHARS, 0);
        compile(patterns, caseInsensitive);
    }

    /** The patterns compiled; the message of a failure names the index only, never the pattern. */
    static List<Pattern> compile(List<String> patterns, boolean caseInsensitive) {
        List<Pattern> out = new ArrayList<>(patterns.size());
        for (int i = 0; i < patterns.size(); i++) {
            Pattern p;
            try {
                p = Pattern.compile(patterns.get(i), caseInsensitive ? Pattern.CASE_INSENSITIVE : 0);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("patterns[" + i + "] does not compile as an RE2 expression"
                        + " (back-references and look-around are not supported)");
            }
            if (p.matcher("").find()) {
                throw new IllegalArgumentException("patterns[" + i + "] matches the empty text");
            }
            out.add(p);
        }
        return out;
    }
}
