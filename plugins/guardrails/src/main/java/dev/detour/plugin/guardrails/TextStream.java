package dev.detour.plugin.guardrails;

import java.util.ArrayList;
import java.util.List;

/**
 * One request's streamed answer as a check sees it through {@code outputText(pending, end)}: core
 * holds back the last {@code window} characters of what the check returned and shows them again in
 * front of the next text. This remembers how many of those were already decided, so they are not
 * decided twice (a restored value must not be redacted again), and whether a value is still open.
 *
 * <p>{@code outputText} does not say which choice the text belongs to; an answer with several
 * choices is told apart by which held-back text the pending text starts with.
 */
final class TextStream {

    private static final int MAX_CHOICES = 16;
    /** How much of the text already sent is kept to judge what follows it (a word or key start). */
    private static final int LEAD = 8;

    private static final class Cursor {
        String held = "";
        String lead = "";
        int decided;
        Match.Run open = Match.Run.NONE;
    }

    private final List<Cursor> cursors = new ArrayList<>(1);

    /** Rewrites the next pending text of a stream. */
    Rewriter.Outcome next(String pending, boolean end, Rewriter.Finder finder, Rewriter.Policy policy) {
        Cursor c = null;
        for (Cursor k : cursors) {
            if (!k.held.isEmpty() && pending.startsWith(k.held)) {
                c = k;
                break;
            }
        }
        int from = 0;
        String lead = "";
        Match.Run open = Match.Run.NONE;
        if (c == null) {
            c = new Cursor();
            if (cursors.size() == MAX_CHOICES) {
                cursors.remove(0);
            }
            cursors.add(c);
        } else {
            from = c.decided;
            open = c.open;
            lead = c.lead;
        }
        Rewriter.Outcome o = Rewriter.rewrite(lead, pending, from, end, open, finder, policy);
        if (end) {
            cursors.remove(c);
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
