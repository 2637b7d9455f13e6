package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Personal data and secrets in requests and answers ({@link PiiOptions}).
 *
 * <ul>
 *   <li>{@code redact}: each value becomes a numbered placeholder ({@code [EMAIL_1]}), the same value
 *       the same placeholder in every message of the request; on output, values in the answer are
 *       redacted too, and with {@code restore: true} the request's own placeholders are put back
 *       (the client's own values are left as they are).</li>
 *   <li>{@code deny}: a request or answer holding any is refused.</li>
 *   <li>{@code route_to}: a request holding any may only be served by targets whose category is
 *       listed; answers are not looked at.</li>
 * </ul>
 *
 * <p>Reasons name the entities, never a value.
 */
public final class PiiGuardrail implements Guardrail {

    /** The {@code type:} of this guardrail. */
    public static final String TYPE = "pii";

    private final PiiOptions options;
    private final Vertx vertx;
    private final PiiScanner scanner;
    private final Rewriter.Finder outputFinder;
    private final Predicate<TargetView> allowed;

    PiiGuardrail(PiiOptions options, Vertx vertx) {
        this.options = options;
        this.vertx = vertx;
        this.scanner = new PiiScanner(options.entitySet(), options.phoneRegions());
        this.outputFinder = options.restore() ? new Rewriter.Finder() {
            @Override
            public void find(String normalized, List<Match> out) {
                scanner.find(normalized, out);
                Placeholders.findPlaceholders(normalized, out);
            }

            @Override
            public int window() {
                return Math.max(scanner.window(), Placeholders.MAX_LENGTH + 1);
            }
        } : scanner;
        Set<String> categories = Set.copyOf(options.categories());
        this.allowed = t -> categories.contains(t.category());
    }

    @Override
    public GuardrailCheck open(RequestContext context) {
        return new Check();
    }

    private static String names(List<String> kinds) {
        StringBuilder sb = new StringBuilder();
        for (String k : kinds) {
            if (!k.equals(Match.RESTORE)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(k.toLowerCase(Locale.ROOT));
            }
        }
        return sb.toString();
    }

    /** One request: its placeholders, and its streamed answer's state. */
    private final class Check implements GuardrailCheck {
        private final Placeholders placeholders = new Placeholders();
        private TextStream stream;

        /** What one request or answer came to: the rewritten object and the tally of all its texts. */
        private final class Tally {
            boolean changed;
            final List<String> denied = new java.util.ArrayList<>(0);
            final List<String> found = new java.util.ArrayList<>(0);

            String add(Rewriter.Outcome o) {
                changed |= o.changed;
                for (String k : o.denied) {
                    if (!denied.contains(k)) {
                        denied.add(k);
                    }
                }
                for (String k : o.found) {
                    if (!found.contains(k)) {
                        found.add(k);
                    }
                }
                return o.text;
            }

            <T> GuardrailVerdict<T> verdict(T original, T rewritten) {
                if (!denied.isEmpty()) {
                    return GuardrailVerdict.deny("pii:denied (" + names(denied) + ")");
                }
                if (options.action().equals("route_to") && !found.isEmpty()) {
                    return GuardrailVerdict.narrow(allowed, "pii:route_to (" + names(found) + ")");
                }
                if (changed && rewritten != original) {
                    boolean onlyRestored = found.size() == 1 && found.get(0).equals(Match.RESTORE);
                    return GuardrailVerdict.replace(rewritten, onlyRestored ? "pii:restored" : "pii:redacted");
                }
                return GuardrailVerdict.allow();
            }
        }

        private final Rewriter.Policy inputPolicy = (m, original, o) -> {
            o.found(m.kind());
            return switch (options.action()) {
                case "redact" -> placeholders.placeholder(m.kind(), m.key(), original, true);
                case "deny" -> {
                    o.deny(m.kind());
                    yield null;
                }
                default -> null;
            };
        };

        private final Rewriter.Policy outputPolicy = (m, original, o) -> {
            if (m.kind().equals(Match.RESTORE)) {
                String back = placeholders.original(m.key());
                if (back != null) {
                    o.found(Match.RESTORE);
                }
                return back;
            }
            if (options.restore() && placeholders.clientValue(m.kind(), m.key())) {
                return null; // the client's own value, just restored or echoed back to it
            }
            o.found(m.kind());
            return switch (options.action()) {
                case "redact" -> placeholders.placeholder(m.kind(), m.key(), original, false);
                case "deny" -> {
                    o.deny(m.kind());
                    yield null;
                }
                default -> null;
            };
        };

        @Override
        public Future<GuardrailVerdict<ChatRequest>> input(ChatRequest request) {
            return Work.run(vertx, Texts.length(request), options.workerAboveChars(), () -> {
                Tally t = new Tally();
                ChatRequest r = Texts.request(request,
                        s -> t.add(Rewriter.whole(s, scanner, inputPolicy)));
                return t.verdict(request, r);
            });
        }

        @Override
        public Future<GuardrailVerdict<EmbeddingRequest>> input(EmbeddingRequest request) {
            return Work.run(vertx, Texts.length(request), options.workerAboveChars(), () -> {
                Tally t = new Tally();
                EmbeddingRequest r = Texts.embeddings(request,
                        s -> t.add(Rewriter.whole(s, scanner, inputPolicy)));
                return t.verdict(request, r);
            });
        }

        @Override
        public Future<GuardrailVerdict<ChatResponse>> output(ChatResponse response) {
            if (options.action().equals("route_to")) {
                return Future.succeededFuture(GuardrailVerdict.allow());
            }
            return Work.run(vertx, Texts.length(response), options.workerAboveChars(), () -> {
                Tally t = new Tally();
                ChatResponse r = Texts.response(response,
                        s -> t.add(Rewriter.whole(s, outputFinder, outputPolicy)));
                return t.verdict(response, r);
            });
        }

        @Override
        public int streamWindow() {
            return options.action().equals("route_to") ? -1 : outputFinder.window();
        }

        @Override
        public Future<GuardrailVerdict<String>> outputText(int choice, String pending, boolean end) {
            if (options.action().equals("route_to")) {
                return Future.succeededFuture(GuardrailVerdict.allow());
            }
            if (stream == null) {
                stream = new TextStream();
            }
            Tally t = new Tally();
            String out = t.add(stream.next(choice, pending, end, outputFinder, outputPolicy));
            return Future.succeededFuture(t.verdict(pending, out));
        }
    }
}
