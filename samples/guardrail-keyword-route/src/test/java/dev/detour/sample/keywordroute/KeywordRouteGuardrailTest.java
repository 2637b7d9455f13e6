package dev.detour.sample.keywordroute;

import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeywordRouteGuardrailTest {

    private static final RequestContext CTX = new RequestContext("r1", "support", null, null, null, Map.of(), null,
            false, "openai");

    private final GuardrailCheck check = new KeywordRouteGuardrailFactory()
            .create(new KeywordRouteOptions(List.of("patient", "diagnosis"), List.of("self-hosted")), null)
            .open(CTX);

    private static ChatRequest ask(String text) {
        return ChatRequest.builder("support", List.of(Message.text("user", text))).build();
    }

    /** A target that only knows its category (all the guardrail asks). */
    private static TargetView target(String category) {
        return (TargetView) Proxy.newProxyInstance(TargetView.class.getClassLoader(), new Class<?>[] {TargetView.class},
                (p, m, a) -> m.getName().equals("category") ? category : null);
    }

    private GuardrailVerdict<ChatRequest> judge(String text) {
        return check.input(ask(text)).result();
    }

    @Test
    void a_request_mentioning_a_keyword_is_narrowed_to_the_listed_categories() {
        GuardrailVerdict<ChatRequest> v = judge("Summarise the PATIENT's notes");
        assertTrue(v.allowed());
        assertEquals("keyword_route:narrowed", v.reason());
        assertTrue(v.targets().test(target("self-hosted")));
        assertFalse(v.targets().test(target("closed")));
    }

    @Test
    void other_requests_and_partial_words_pass_unchanged() {
        assertSame(GuardrailVerdict.allow(), judge("What is the weather?"));
        assertSame(GuardrailVerdict.allow(), judge("Be patient with outpatients"
                .replace("patient ", "patiently ")));
        assertSame(GuardrailVerdict.allow(), judge("diagnostics are green"));
    }

    @Test
    void options_need_keywords_and_categories() {
        assertThrows(IllegalArgumentException.class, () -> new KeywordRouteOptions(List.of(), List.of("x")));
        assertThrows(IllegalArgumentException.class, () -> new KeywordRouteOptions(List.of("a"), null));
        assertThrows(IllegalArgumentException.class, () -> new KeywordRouteOptions(List.of(" a"), List.of("x")));
    }
}
