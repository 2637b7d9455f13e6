package dev.detour.plugin.guardrails;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.view.RequestContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Patterns and words a route must not carry ({@link DenylistOptions}), on requests, whole answers
 * and streams: {@code deny} refuses, {@code redact} replaces each hit with {@code [REDACTED_n]}.
 * Texts are normalised first (NFKC, invisible characters removed) so a word cannot be split by a
 * zero-width space. Patterns run on RE2 (linear time in the text: no catastrophic backtracking),
 * and texts above {@code worker_above_chars} are matched on a worker. Reasons name the pattern's
 * index or "word", never what matched.
 */
public final class DenylistGuardrail implements Guardrail {

    /** The {@code type:} of this guardrail. */
    public static final String TYPE = "denylist";

    private static final String LABEL = "REDACTED";

    private final DenylistOptions options;
    private final Vertx vertx;
    private final Rewriter.Finder finder;

    DenylistGuardrail(DenylistOptions options, Vertx vertx) {
        this.options = options;
        this.vertx = vertx;
        List<Pattern> patterns = DenylistOptions.compile(options.patterns(), options.caseInsensitive());
        Pattern words = null;
        int longestWord = 0;
        if (!options.words().isEmpty()) {
            StringBuilder sb = new StringBuilder("(?:");
            for (int i = 0; i < options.words().size(); i++) {
                String w = options.words().get(i).trim();
                longestWord = Math.max(longestWord, w.length());
                sb.append(i == 0 ? "" : "|");
                boolean wordStart = Character.isLetterOrDigit(w.charAt(0));
                boolean wordEnd = Character.isLetterOrDigit(w.charAt(w.length() - 1));
                sb.append(wordStart ? "\\b" : "").append(Pattern.quote(w)).append(wordEnd ? "\\b" : "");
            }
            words = Pattern.compile(sb.append(')').toString(),
                    options.caseInsensitive() ? Pattern.CASE_INSENSITIVE : 0);
        }
        int window = Math.max(patterns.isEmpty() ? 0 : options.streamWindow(), longestWord + 2);
        Pattern wordPattern = words;
        this.finder = new Rewriter.Finder() {
            @Override
            public void find(String normalized, List<Match> out) {
                for (int i = 0; i < patterns.size(); i++) {
                    add(patterns.get(i), "pattern " + (i + 1), normalized, out);
                }
                if (wordPattern != null) {
                    add(wordPattern, "word", normalized, out);
                }
            }

            @Override
            public int window() {
                return window + 1;
            }
        };
    }

    private void add(Pattern p, String kind, String s, List<Match> out) {
        Matcher m = p.matcher(s);
        while (m.find()) {
            if (m.end() > m.start()) {
                String v = s.substring(m.start(), m.end());
                out.add(new Match(m.start(), m.end(), kind, null, Match.Run.NONE,
                        options.caseInsensitive() ? v.toLowerCase(Locale.ROOT) : v));
            }
        }
    }

    @Override
    public GuardrailCheck open(RequestContext context) {
        return new Check();
    }

    private final class Check implements GuardrailCheck {
        private final Placeholders placeholders = new Placeholders();
        private TextStream stream;

        private final Rewriter.Policy policy = (m, original, o) -> {
            if (options.action().equals("deny")) {
                o.deny(m.kind());
                return null;
            }
            return placeholders.placeholder(LABEL, m.key(), original, false);
        };

        private final class Tally {
            boolean changed;
            final List<String> denied = new ArrayList<>(0);

            String add(Rewriter.Outcome o) {
                changed |= o.changed;
                for (String k : o.denied) {
                    if (!denied.contains(k)) {
                        denied.add(k);
                    }
                }
                return o.text;
            }

            <T> GuardrailVerdict<T> verdict(T original, T rewritten) {
                if (!denied.isEmpty()) {
                    return GuardrailVerdict.deny("denylist:denied (" + String.join(", ", denied) + ")");
                }
                return changed && rewritten != original ? GuardrailVerdict.replace(rewritten, "denylist:redacted")
                        : GuardrailVerdict.allow();
            }
        }

        @Override
        public Future<GuardrailVerdict<ChatRequest>> input(ChatRequest request) {
            return Work.run(vertx, Texts.length(request), options.workerAboveChars(), () -> {
                Tally t = new Tally();
                return t.verdict(request, Texts.request(request, s -> t.add(Rewriter.whole(s, finder, policy))));
            });
        }

        @Override
        public Future<GuardrailVerdict<EmbeddingRequest>> input(EmbeddingRequest request) {
            return Work.run(vertx, Texts.length(request), options.workerAboveChars(), () -> {
                Tally t = new Tally();
                return t.verdict(request, Texts.embeddings(request, s -> t.add(Rewriter.whole(s, finder, policy))));
            });
        }

        @Override
        public Future<GuardrailVerdict<ChatResponse>> output(ChatResponse response) {
            return Work.run(vertx, Texts.length(response), options.workerAboveChars(), () -> {
                Tally t = new Tally();
                return t.verdict(response, Texts.response(response, s -> t.add(Rewriter.whole(s, finder, policy))));
            });
        }

        @Override
        public int streamWindow() {
            return finder.window();
        }

        @Override
        public Future<GuardrailVerdict<String>> outputText(int choice, String pending, boolean end) {
            if (stream == null) {
                stream = new TextStream();
            }
            Tally t = new Tally();
            String out = t.add(stream.next(choice, pending, end, finder, policy));
            return Future.succeededFuture(t.verdict(pending, out));
        }
    }
}
