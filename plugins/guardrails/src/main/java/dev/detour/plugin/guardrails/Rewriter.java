package dev.detour.plugin.guardrails;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Applies a policy to what a finder reports in a text: a whole text at once, or streamed text in
 * the hold-back protocol of {@code GuardrailCheck.outputText} (see {@link TextStream}).
 *
 * <p>In a stream only what starts before the cut ({@code window} characters before the end of the
 * text seen so far) is decided: a value starting there is complete, because no value is longer than
 * the window; anything after the cut is left raw, held back by core, and shown again with the next
 * text. A value that may go on without bound (a key, a PEM block) is replaced up to the end of the
 * text and stays {@link Outcome#open open}: what continues it in the next text is swallowed.
 */
final class Rewriter {

    /** Finds values in a normalised text. */
    interface Finder {
        /** Appends what {@code normalized} holds, in any order; overlaps are resolved by the caller. */
        void find(String normalized, List<Match> out);

        /** The longest match this finder can report, plus one for the character that ends it. */
        int window();
    }

    /** Decides what becomes of one match. */
    interface Policy {
        /**
         * The text that replaces {@code original} (the match as written), or null to keep it. A
         * policy that denies records it and returns null.
         */
        String decide(Match m, String original, Outcome outcome);
    }

    /** What a rewrite produced. */
    static final class Outcome {
        /** The text after the rewrite. */
        String text;
        /** Whether anything was replaced or removed. */
        boolean changed;
        /** Kinds a policy denied, in the order met; empty when none. */
        final List<String> denied = new ArrayList<>(0);
        /** Kinds found, in the order met (what a route_to or deny reports). */
        final List<String> found = new ArrayList<>(0);
        /** Where in {@link #text} the raw, undecided tail starts (its length when none). */
        int rawStart;
        /** How the last value goes on into the next text, for streams. */
        Match.Run open = Match.Run.NONE;

        void found(String kind) {
            if (!found.contains(kind)) {
                found.add(kind);
            }
        }

        void deny(String kind) {
            if (!denied.contains(kind)) {
                denied.add(kind);
            }
        }
    }

    /** Longest PEM footer ({@code -----END ENCRYPTED PRIVATE KEY-----} and its kin), with room. */
    static final int PEM_FOOTER_MAX = 64;

    private static final Comparator<Match> ORDER = Comparator.comparingInt(Match::start)
            .thenComparing(Comparator.comparingInt(Match::length).reversed());

    private Rewriter() {
    }

    /** Rewrites a whole text. */
    static Outcome whole(String text, Finder finder, Policy policy) {
        return rewrite(text, 0, true, Match.Run.NONE, finder, policy);
    }

    /**
     * Rewrites {@code text} from {@code from} on (what comes before is already decided).
     *
     * @param end  whether nothing follows the text
     * @param open how a value replaced at the end of the previous text goes on into this one
     */
    static Outcome rewrite(String text, int from, boolean end, Match.Run open, Finder finder, Policy policy) {
        return rewrite("", text, from, end, open, finder, policy);
    }

    /**
     * As {@link #rewrite(String, int, boolean, Match.Run, Finder, Policy)}, with {@code lead}, the
     * text already sent just before {@code text}: it is only read, so that a value is judged with
     * what precedes it (whether it starts a word or a key) as it would be in the whole text.
     */
    static Outcome rewrite(String lead, String text, int from, boolean end, Match.Run open, Finder finder,
                           Policy policy) {
        if (lead.isEmpty()) {
            return rewriteFrom(text, from, end, open, finder, policy);
        }
        int l = lead.length();
        Outcome o = rewriteFrom(lead + text, from + l, end, open, finder, policy);
        o.text = o.text.substring(l);
        o.rawStart -= l;
        return o;
    }

    private static Outcome rewriteFrom(String text, int from, boolean end, Match.Run open, Finder finder,
                                       Policy policy) {
        Outcome o = new Outcome();
        if (open != Match.Run.NONE) {
            int len = text.length();
            if (open == Match.Run.TOKEN) {
                int stop = from;
                while (stop < len && tokenChar(text.charAt(stop))) {
                    stop++;
                }
                if (stop == len && !end) {
                    o.text = text.substring(0, from);
                    o.changed = stop > from;
                    o.rawStart = o.text.length();
                    o.open = Match.Run.TOKEN;
                    return o;
                }
                if (stop > from) {
                    text = text.substring(0, from) + text.substring(stop);
                    o.changed = true;
                }
            } else {
                int stop = pemFooterEnd(text, from);
                if (stop < 0 && end) {
                    stop = len;
                }
                if (stop < 0) {
                    // The footer may be arriving split: keep the last characters raw to look again.
                    int keep = Math.max(from, len - PEM_FOOTER_MAX);
                    o.text = text.substring(0, from) + text.substring(keep);
                    o.changed = keep > from;
                    o.rawStart = from;
                    o.open = Match.Run.PEM;
                    return o;
                }
                text = text.substring(0, from) + text.substring(stop);
                o.changed = true;
            }
        }
        // The whole text is scanned so values see what precedes them (a word start, a local part),
        // but only those starting at or after `from` are decided: the rest was decided before.
        Normalized n = Normalized.of(text);
        List<Match> found = new ArrayList<>(4);
        finder.find(n.text, found);
        int len = text.length();
        int cut = end ? len : len - finder.window();
        StringBuilder out = null;
        int pos = from;
        if (!found.isEmpty()) {
            found.sort(ORDER);
            int lastEnd = 0;
            for (Match m : found) {
                if (m.start() < lastEnd) {
                    continue; // overlaps one already met: the earlier, longer one wins
                }
                lastEnd = m.end();
                int os = n.originalStart(m.start());
                if (os < from) {
                    continue;
                }
                if (os >= cut) {
                    break;
                }
                int oe = n.originalEnd(m.end());
                boolean openNow = !end && m.run() != Match.Run.NONE && m.end() == n.text.length();
                if (openNow) {
                    oe = len;
                }
                String replacement = policy.decide(m, text.substring(os, oe), o);
                if (replacement != null) {
                    if (out == null) {
                        out = new StringBuilder(len + 16);
                        out.append(text, 0, from);
                    }
                    out.append(text, pos, os).append(replacement);
                    pos = oe;
                    o.changed = true;
                }
                if (openNow) {
                    o.open = m.run();
                    cut = len;
                    break;
                }
                if (oe > cut) {
                    cut = oe;
                }
            }
        }
        int rawFrom = Math.max(Math.max(cut, pos), from);
        if (out == null) {
            o.text = text;
            o.rawStart = rawFrom;
        } else {
            int before = out.length();
            out.append(text, pos, len);
            o.text = out.toString();
            o.rawStart = before + (rawFrom - pos);
        }
        if (end) {
            o.rawStart = o.text.length();
        }
        return o;
    }

    /** Characters of an API key or JWT. */
    static boolean tokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                || c == '.';
    }

    /** The position just past the first PEM private-key footer at or after {@code from}, or -1. */
    static int pemFooterEnd(String s, int from) {
        for (int i = s.indexOf("-----END ", from); i >= 0; i = s.indexOf("-----END ", i + 9)) {
            int close = s.indexOf("-----", i + 9);
            if (close < 0) {
                return -1;
            }
            if (close - i <= PEM_FOOTER_MAX && s.startsWith("PRIVATE KEY", close - 11)) {
                return close + 5;
            }
        }
        return -1;
    }
}
