package dev.detour.plugin.guardrails;

import java.util.HashMap;
import java.util.Map;

/**
 * One request's streamed answer as a check sees it through {@code outputText(choice, pending, end)}: core
 * holds back the last {@code window} characters of what the check returned and shows them again in
 * front of the next text. This remembers how many of those were already decided, so they are not
 * decided twice (a restored value must not be redacted again), and whether a value is still open.
 * Each choice of the answer has its own state.
 */
final class TextStream {

    /** How much of the text already sent is kept to judge what follows it (a word or key start). */
    private static final int LEAD = 8;

    private static final class Cursor {
        String held = "";
        String lead = "";
        int decided;
        Match.Run open = Match.Run.NONE;
    }

    private final Map<Integer, Cursor> cursors = new HashMap<>(2);

    /** Rewrites the next pending text of a stream. */
    Rewriter.Outcome next(int choice, String pending, boolean end, Rewriter.Finder finder, Rewriter.Policy policy) {
        Cursor c = cursors.computeIfAbsent(choice, k -> new Cursor());
        int from = c.decided;
        Match.Run open = c.open;
        String lead = c.lead;
        Rewriter.Outcome o = Rewriter.rewrite(lead, pending, from, end, open, finder, policy);
        if (end) {
            cursors.remove(choice);
            return o;
        }
        String out = o.text;
        int held = Math.min(finder.window(), out.length());
        String sent = lead + out.substring(0, out.length() - held);
        c.lead = sent.substring(Math.max(0, sent.length() - LEAD));
        c.held = out.substring(out.length() - held);
        c.decided = Math.max(0, held - (out.length() - o.rawStart));
        c.open = o.open;
        return o;
    }
}
