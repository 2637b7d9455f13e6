package dev.detour.plugin.cache.semantic;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The words of a message that must match exactly before two messages may share an answer, however
 * close their meaning: sentence embeddings place "refill prescription 123" and "... 124", or
 * "enable" and "disable", closer together than many true paraphrases, so cosine alone cannot keep
 * them apart at any threshold.
 *
 * <p>Guarded, in order of appearance: numbers and any word with a digit ({@code 123}, {@code 7pm},
 * {@code v2}, {@code 1,000} = {@code 1000}); identifiers ({@code foo_bar}, {@code a.b},
 * {@code x@y.z}, paths, URLs); names — a capitalised word that does not start a sentence, or a
 * word in capitals, wherever it stands in either message; negations ({@code not}, {@code no},
 * {@code never}, {@code n't}, {@code without}, ...), all one guard; and the words of opposite pairs
 * ({@code enable}/{@code disable}, {@code on}/{@code off}, {@code add}/{@code remove},
 * {@code before}/{@code after}, ...) with their inflections. Two messages match when their guard
 * sequences are equal, names compared case-insensitively and found in either message whatever
 * their case, so "Is Paris far?" and "How far is paris?" agree on {@code paris}, while "from Boston
 * to Denver" and "from Denver to Boston" do not.
 *
 * <p>The price is recall: a paraphrase that words a guard differently ("turn on" for "enable",
 * "Sundays" for "Sunday") is a miss. The README reports the measured precision and recall.
 */
public final class Guards {
    private static final String NEGATION = "\u00ac";

    private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "none", "nothing", "nobody", "neither",
            "nor", "without", "cannot", "nowhere");

    /** Words whose opposite is a near neighbour in embedding space; each is its own guard. */
    private static final Set<String> OPPOSITES = Set.of(
            "enable", "disable", "activate", "deactivate", "on", "off", "up", "down",
            "increase", "decrease", "raise", "lower", "add", "remove", "delete", "create", "insert",
            "start", "stop", "begin", "end", "finish", "pause", "resume", "open", "close", "shut",
            "allow", "deny", "block", "unblock", "permit", "forbid", "ban", "unban",
            "lock", "unlock", "buy", "sell", "import", "export", "upload", "download",
            "encrypt", "decrypt", "include", "exclude", "accept", "reject", "decline", "approve",
            "connect", "disconnect", "subscribe", "unsubscribe", "install", "uninstall",
            "mute", "unmute", "follow", "unfollow", "upgrade", "downgrade",
            "minimize", "maximize", "min", "max", "minimum", "maximum", "more", "less", "most", "least",
            "fewer", "greater", "smaller", "larger", "bigger", "higher", "longer", "shorter", "faster", "slower",
            "before", "after", "above", "below", "over", "under", "first", "last", "next", "previous",
            "early", "late", "earlier", "later", "left", "right", "high", "low", "best", "worst",
            "yes", "true", "false", "win", "lose", "gain", "loss", "send", "receive", "push", "pull",
            "inbound", "outbound", "input", "output", "north", "south", "east", "west",
            "safe", "unsafe", "possible", "impossible", "legal", "illegal", "available", "unavailable",
            "able", "unable", "valid", "invalid", "agree", "disagree", "visible", "invisible",
            "public", "private", "required", "optional", "mandatory", "always", "sometimes", "rarely", "often",
            "cheap", "expensive", "hot", "cold", "warm", "new", "old", "same", "different",
            "yesterday", "today", "tomorrow", "tonight", "morning", "afternoon", "evening", "night",
            "monthly", "yearly", "weekly", "daily", "annual");

    private static final Set<String> NOT_NAMES = Set.of("i", "i'm", "i've", "i'd", "i'll", "ok", "okay");

    private final String[] sequence;
    private final Set<String> names;
    private final Set<String> words;
    private final String[] tokens;

    private Guards(String[] sequence, Set<String> names, Set<String> words, String[] tokens) {
        this.sequence = sequence;
        this.names = names;
        this.words = words;
        this.tokens = tokens;
    }

    /** The guards of one message. */
    public static Guards of(String text) {
        List<String> tokens = new ArrayList<>();
        List<Boolean> sentenceStart = new ArrayList<>();
        List<Boolean> capitalised = new ArrayList<>();
        tokenize(text, tokens, sentenceStart, capitalised);
        Set<String> names = new HashSet<>();
        Set<String> words = new HashSet<>();
        String[] lower = new String[tokens.size()];
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            String l = t.toLowerCase(Locale.ROOT);
            lower[i] = l;
            words.add(l);
            boolean allCaps = t.length() >= 2 && t.equals(t.toUpperCase(Locale.ROOT)) && hasLetter(t);
            if ((allCaps || capitalised.get(i) && !sentenceStart.get(i)) && !NOT_NAMES.contains(l) && !hasDigit(l)) {
                names.add(l);
            }
        }
        return new Guards(null, Set.copyOf(names), Set.copyOf(words), lower);
    }

    /** Whether this message's guards and {@code other}'s are the same, in the same order. */
    public boolean sameAs(Guards other) {
        return sequence(other.names).equals(other.sequence(names));
    }

    /** The guard sequence, with {@code extraNames} (the other message's names) counted as names too. */
    private List<String> sequence(Set<String> extraNames) {
        List<String> out = new ArrayList<>();
        for (String t : tokens) {
            String g = guard(t, extraNames);
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }

    private String guard(String t, Set<String> extraNames) {
        if (hasDigit(t)) {
            return t.replace(",", "");
        }
        if (NEGATIONS.contains(t) || t.endsWith("n't") || t.endsWith("n\u2019t")) {
            return NEGATION;
        }
        if (names.contains(t) || extraNames.contains(t)) {
            return t;
        }
        if (isIdentifier(t)) {
            return t;
        }
        String base = opposite(t);
        return base == null ? null : "~" + base;
    }

    /** The word of {@link #OPPOSITES} that {@code t} inflects ({@code enabled}, {@code closing}), or null. */
    static String opposite(String t) {
        if (OPPOSITES.contains(t)) {
            return t;
        }
        for (String suffix : new String[]{"ing", "ed", "es", "s", "d", "er", "ers"}) {
            if (t.length() > suffix.length() + 1 && t.endsWith(suffix)) {
                String stem = t.substring(0, t.length() - suffix.length());
                if (OPPOSITES.contains(stem)) {
                    return stem;
                }
                if (OPPOSITES.contains(stem + "e")) {
                    return stem + "e";
                }
                int n = stem.length();
                if (n > 2 && stem.charAt(n - 1) == stem.charAt(n - 2) && OPPOSITES.contains(stem.substring(0, n - 1))) {
                    return stem.substring(0, n - 1);
                }
            }
        }
        return null;
    }

    private static boolean isIdentifier(String t) {
        for (int i = 1; i < t.length() - 1; i++) {
            char c = t.charAt(i);
            if (c == '_' || c == '.' || c == '@' || c == '/' || c == ':') {
                return true;
            }
        }
        return false;
    }

    private static boolean hasDigit(String t) {
        for (int i = 0; i < t.length(); i++) {
            if (Character.isDigit(t.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasLetter(String t) {
        for (int i = 0; i < t.length(); i++) {
            if (Character.isLetter(t.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Splits into words: letters and digits, joined by {@code ' ’ - _ . @ / :} (and {@code ,}
     * between digits) when a letter or digit follows. Marks which word starts a sentence (the first,
     * and any after {@code . ! ? : ;}, a line break or a quote) and which is capitalised.
     */
    private static void tokenize(String s, List<String> tokens, List<Boolean> starts, List<Boolean> caps) {
        boolean start = true;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                int b = i;
                i++;
                while (i < n) {
                    char d = s.charAt(i);
                    if (Character.isLetterOrDigit(d)) {
                        i++;
                    } else if (i + 1 < n && Character.isLetterOrDigit(s.charAt(i + 1))
                            && ("'\u2019-_.@/:".indexOf(d) >= 0
                            || d == ',' && Character.isDigit(s.charAt(i - 1)) && Character.isDigit(s.charAt(i + 1)))) {
                        i += 2;
                    } else {
                        break;
                    }
                }
                String t = s.substring(b, i);
                tokens.add(t);
                starts.add(start);
                caps.add(Character.isUpperCase(c));
                start = false;
            } else {
                if (".!?:;\n\"\u201c\u201d(".indexOf(c) >= 0) {
                    start = true;
                }
                i++;
            }
        }
    }

    @Override
    public String toString() {
        return sequence(Set.of()).toString();
    }
}
