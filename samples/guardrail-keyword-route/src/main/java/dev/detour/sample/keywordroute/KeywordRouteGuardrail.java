package dev.detour.sample.keywordroute;

import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import io.vertx.core.Future;

import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Keeps requests that mention a keyword on targets of the listed categories, e.g. anything about a
 * patient on self-hosted models. An input guardrail only: it narrows, never denies or changes the
 * request, and it is stateless, so one check serves every request. The reason names the rule, not
 * the keyword met (which could itself be sensitive).
 */
public final class KeywordRouteGuardrail implements Guardrail {

    private final Set<String> keywords;
    private final Predicate<TargetView> allowed;
    private final GuardrailCheck check = new GuardrailCheck() {
        @Override
        public Future<GuardrailVerdict<ChatRequest>> input(ChatRequest request) {
            for (Message m : request.messages()) {
                if (mentions(m.text())) {
                    return Future.succeededFuture(GuardrailVerdict.narrow(allowed, "keyword_route:narrowed"));
                }
            }
            return Future.succeededFuture(GuardrailVerdict.allow());
        }
    };

    KeywordRouteGuardrail(KeywordRouteOptions options) {
        this.keywords = Set.copyOf(options.keywords());
        Set<String> categories = Set.copyOf(options.categories());
        this.allowed = t -> categories.contains(t.category());
    }

    /** Whether {@code text} has one of the keywords as a whole word; one pass, no regex. */
    boolean mentions(String text) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '-')) {
                i++;
            }
            if (i > start && keywords.contains(text.substring(start, i).toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public GuardrailCheck open(RequestContext context) {
        return check;
    }
}
