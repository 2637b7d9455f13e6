package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;
import dev.detour.api.testing.FakeTarget;
import dev.detour.api.view.RequestContext;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.detour.plugin.guardrails.Streams.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PiiGuardrailTest {

    static final RequestContext CTX = new RequestContext("r1", "support", null, null, "normal", Map.of(), null, false,
            "openai");

    static PiiGuardrail pii(String action, Boolean restore, List<String> categories) {
        return new PiiGuardrail(new PiiOptions(null, action, categories, restore, List.of("US", "GB"), null), null);
    }

    static ChatRequest chat(String... userTexts) {
        List<Message> ms = new java.util.ArrayList<>();
        for (String t : userTexts) {
            ms.add(Message.text("user", t));
        }
        return ChatRequest.builder("support", ms).build();
    }

    static ChatResponse answer(String text) {
        return new ChatResponse("id", "m", 1, List.of(new Choice(0, Message.assistant(text, List.of()),
                FinishReason.STOP)), null, null);
    }

    static String texts(ChatRequest r) {
        StringBuilder sb = new StringBuilder();
        for (Message m : r.messages()) {
            sb.append(m.text()).append('|');
        }
        return sb.toString();
    }

    @Test
    void redact_numbers_placeholders_per_kind_and_reuses_them_for_the_same_value_across_messages() {
        GuardrailCheck c = pii("redact", false, null).open(CTX);
        GuardrailVerdict<ChatRequest> v = now(c.input(chat(
                "I am jane@example.com, card 4111 1111 1111 1111",
                "cc bob@example.org and again JANE@example.com; call +44 20 7946 0958")));
        assertTrue(v.allowed());
        assertEquals("pii:redacted", v.reason());
        assertEquals("I am [EMAIL_1], card [CREDIT_CARD_1]|cc [EMAIL_2] and again [EMAIL_1]; call [PHONE_1]|",
                texts(v.replacement()));
    }

    @Test
    void a_request_without_pii_passes_unchanged() {
        GuardrailCheck c = pii("redact", false, null).open(CTX);
        ChatRequest r = chat("What is the capital of France? Version 2.1, 3 items.");
        GuardrailVerdict<ChatRequest> v = now(c.input(r));
        assertSame(GuardrailVerdict.allow(), v);
    }

    @Test
    void tool_call_arguments_are_redacted_and_restored_too() {
        GuardrailCheck c = pii("redact", true, null).open(CTX);
        Message call = new Message("assistant", null, false, null,
                List.of(new ToolCall("c1", "send", "{\"to\":\"jane@example.com\"}")), null, null, null);
        ChatRequest r = ChatRequest.builder("support", List.of(Message.text("user", "mail jane@example.com"), call)).build();
        ChatRequest red = now(c.input(r)).replacement();
        assertEquals("{\"to\":\"[EMAIL_1]\"}", red.messages().get(1).toolCalls().get(0).arguments());
        ChatResponse a = new ChatResponse("id", "m", 1, List.of(new Choice(0, new Message("assistant", null, false,
                null, List.of(new ToolCall("c2", "send", "{\"to\":\"[EMAIL_1]\"}")), null, null, null),
                FinishReason.TOOL_CALLS)), null, null);
        ChatResponse back = now(c.output(a)).replacement();
        assertEquals("{\"to\":\"jane@example.com\"}", back.choices().get(0).message().toolCalls().get(0).arguments());
    }

    @Test
    void restore_puts_the_clients_values_back_and_redacts_what_the_model_made_up() {
        GuardrailCheck c = pii("redact", true, null).open(CTX);
        now(c.input(chat("Reply to jane@example.com about 4111 1111 1111 1111")));
        GuardrailVerdict<ChatResponse> v = now(c.output(answer(
                "Sent to [EMAIL_1] (card [CREDIT_CARD_1]); cc support@corp.example, also jane@example.com. [EMAIL_9]")));
        assertEquals("pii:redacted", v.reason());
        assertEquals("Sent to jane@example.com (card 4111 1111 1111 1111); cc [EMAIL_2], also jane@example.com."
                + " [EMAIL_9]", v.replacement().text());
    }

    @Test
    void restore_alone_says_restored() {
        GuardrailCheck c = pii("redact", true, null).open(CTX);
        now(c.input(chat("I am jane@example.com")));
        GuardrailVerdict<ChatResponse> v = now(c.output(answer("Hello [EMAIL_1]!")));
        assertEquals("pii:restored", v.reason());
        assertEquals("Hello jane@example.com!", v.replacement().text());
    }

    @Test
    void placeholders_live_only_for_their_request() {
        PiiGuardrail g = pii("redact", true, null);
        GuardrailCheck first = g.open(CTX);
        now(first.input(chat("I am jane@example.com")));
        GuardrailCheck second = g.open(CTX);
        GuardrailVerdict<ChatResponse> v = now(second.output(answer("Hello [EMAIL_1]!")));
        assertTrue(v.allowed());
        assertNull(v.replacement());
    }

    @Test
    void deny_names_the_entities_never_the_values() {
        GuardrailCheck c = pii("deny", null, null).open(CTX);
        GuardrailVerdict<ChatRequest> v = now(c.input(chat("ssn 078-05-1120, mail jane@example.com")));
        assertFalse(v.allowed());
        assertEquals(GuardrailVerdict.Action.DENY, v.action());
        assertEquals("pii:denied (us_ssn, email)", v.reason());
        assertFalse(v.reason().contains("078") || v.reason().contains("jane"));
        assertFalse(now(c.output(answer("write to bob@example.org"))).allowed());
    }

    @Test
    void route_to_narrows_to_the_listed_categories_only_when_pii_is_present() {
        GuardrailCheck c = pii("route_to", null, List.of("self-hosted")).open(CTX);
        GuardrailVerdict<ChatRequest> v = now(c.input(chat("my IBAN is DE89 3704 0044 0532 0130 00")));
        assertTrue(v.allowed());
        assertNull(v.replacement());
        assertEquals("pii:route_to (iban)", v.reason());
        assertTrue(v.targets().test(FakeTarget.of("vllm/llama").category("self-hosted")));
        assertFalse(v.targets().test(FakeTarget.of("openai/gpt-4o").category("closed")));
        assertSame(GuardrailVerdict.allow(), now(c.input(chat("hello"))));
        assertEquals(-1, c.streamWindow());
    }

    @Test
    void embeddings_inputs_are_judged_too() {
        GuardrailCheck c = pii("redact", false, null).open(CTX);
        EmbeddingRequest r = new EmbeddingRequest("e", List.of("plain", "mail jane@example.com"), null, null, null, null);
        GuardrailVerdict<EmbeddingRequest> v = now(c.input(r));
        assertEquals(List.of("plain", "mail [EMAIL_1]"), v.replacement().input());
    }

    @Test
    void evasions_are_caught_and_the_whole_written_value_is_replaced() {
        GuardrailCheck c = pii("redact", false, null).open(CTX);
        String zwEmail = "ja\u200Bne@exa\u200Dmple.com";
        String fullWidthCard = "\uFF14\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11";
        String softHyphenSsn = "078-0\u00AD5-1120";
        String arabicDigitsPhone = "+\u0664\u0664 \u0662\u0660 \u0667\u0669\u0664\u0666 \u0660\u0669\u0665\u0668";
        String fullWidthAt = "jane\uFF20example.com";
        String nbspPhone = "+44\u00A020\u00A07946\u00A00958";
        String zwKey = "AKIAIOSFO\u200CDNN7EXAMPLE";
        ChatRequest r = chat("a " + zwEmail + " b " + fullWidthCard + " c " + softHyphenSsn + " d " + arabicDigitsPhone
                + " e " + fullWidthAt + " f " + nbspPhone + " g " + zwKey + " h");
        String out = texts(now(c.input(r)).replacement());
        assertEquals("a [EMAIL_1] b [CREDIT_CARD_1] c [US_SSN_1] d [PHONE_1] e [EMAIL_1] f [PHONE_1] g [SECRET_1] h|",
                out);
    }

    @Test
    void a_large_text_is_scanned_on_a_worker() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            PiiGuardrail g = new PiiGuardrail(new PiiOptions(null, "redact", null, null, null, 1000), vertx);
            String big = "lorem ipsum ".repeat(200) + "jane@example.com";
            GuardrailVerdict<ChatRequest> v = g.open(CTX).input(chat(big)).toCompletionStage().toCompletableFuture()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(v.replacement().messages().get(0).text().endsWith("[EMAIL_1]"));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
