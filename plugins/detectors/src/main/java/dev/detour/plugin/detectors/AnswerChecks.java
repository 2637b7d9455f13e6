package dev.detour.plugin.detectors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Pure checks of one answer's text, used by the {@code quality} detector. */
final class AnswerChecks {

    /** The refusal phrases matched (case-insensitively, near the start of an answer) by default. */
    static final List<String> DEFAULT_REFUSALS = List.of(
            "I can't help with that",
            "I cannot help with that",
            "I can't assist with that",
            "I cannot assist with that",
            "I'm sorry, but I can't",
            "I'm sorry, but I cannot",
            "I am sorry, but I cannot",
            "I'm unable to help with",
            "I am unable to help with",
            "I'm not able to help with",
            "I won't be able to help with",
            "I can't comply with",
            "I cannot comply with",
            "As an AI language model, I cannot");

    /** Only the start of an answer is searched for refusals: a refusal comes first, a quote of one later. */
    static final int REFUSAL_HEAD = 300;
    /** Texts longer than this are judged on their first part, to bound the work per answer. */
    static final int MAX_CHARS = 50_000;
    /**
     * The engine hands detectors at most the first 64 KiB of a streamed answer. Whether it counts
     * those in UTF-8 bytes (at least 21,845 characters) or in characters, a text this long or longer
     * may be such a sample: its end is not the answer's end.
     */
    static final int MAY_BE_SAMPLE_CHARS = 16_384;
    /** Word n-gram size for repetition. */
    static final int NGRAM = 3;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private AnswerChecks() {
    }

    /** Whether the text has no visible content. */
    static boolean empty(String text) {
        return text == null || text.isBlank();
    }

    /**
     * The share of repeated n-grams, {@code 1 - distinct / total}: about 0–0.1 for prose, close to 1
     * for an answer stuck in a loop. Word 3-grams; a long text with almost no spaces (a run of one
     * character, or a script written without spaces) uses character 6-grams instead. 0 when the text
     * is shorter than {@code minWords} words (and than {@code 6 × minWords} characters): too short to tell.
     */
    static double repetition(String text, int minWords) {
        if (text == null) {
            return 0;
        }
        String t = text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
        String[] words = t.toLowerCase(Locale.ROOT).trim().split("\\s+");
        if (words.length >= minWords) {
            int total = words.length - NGRAM + 1;
            Set<String> distinct = new HashSet<>();
            for (int i = 0; i < total; i++) {
                distinct.add(words[i] + ' ' + words[i + 1] + ' ' + words[i + 2]);
            }
            return 1 - (double) distinct.size() / total;
        }
        String compact = t.replaceAll("\\s+", "");
        int n = 6;
        if (compact.length() < minWords * n) {
            return 0;
        }
        int total = compact.length() - n + 1;
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < total; i++) {
            distinct.add(compact.substring(i, i + n));
        }
        return 1 - (double) distinct.size() / total;
    }

    /**
     * Whether the text is exactly one JSON object or array (surrounding whitespace allowed, nothing
     * else): what JSON mode promises. Code fences, prose around the JSON or a bare scalar fail. A
     * text that is valid as far as it goes but ends inside the document fails only when it is
     * shorter than {@link #MAY_BE_SAMPLE_CHARS}: a longer one may be the engine's bounded sample of
     * a complete answer, and nothing can be said about what was cut.
     */
    static boolean validJson(String text) {
        if (empty(text)) {
            return false;
        }
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (JsonEOFException e) {
            return text.length() >= MAY_BE_SAMPLE_CHARS;
        } catch (IOException e) {
            return false;
        }
    }

    /** Normalises refusal patterns once: lower case, straight apostrophes, single spaces. */
    static List<String> normalisePatterns(List<String> patterns) {
        return patterns.stream().map(AnswerChecks::normalise).filter(p -> !p.isEmpty()).toList();
    }

    /** Whether the start of the text contains one of the (normalised) patterns. */
    static boolean refusal(String text, List<String> normalisedPatterns) {
        if (empty(text) || normalisedPatterns.isEmpty()) {
            return false;
        }
        String head = normalise(text.length() > REFUSAL_HEAD ? text.substring(0, REFUSAL_HEAD) : text);
        for (String p : normalisedPatterns) {
            if (head.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static String normalise(String s) {
        return s.toLowerCase(Locale.ROOT).replace('\u2019', '\'').replace('\u2018', '\'')
                .replaceAll("\\s+", " ").trim();
    }
}
