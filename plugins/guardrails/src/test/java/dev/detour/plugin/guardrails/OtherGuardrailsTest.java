package dev.detour.plugin.guardrails;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.EmbeddingRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.detour.plugin.guardrails.PiiGuardrailTest.CTX;
import static dev.detour.plugin.guardrails.PiiGuardrailTest.answer;
import static dev.detour.plugin.guardrails.PiiGuardrailTest.chat;
import static dev.detour.plugin.guardrails.PiiGuardrailTest.texts;
import static dev.detour.plugin.guardrails.Streams.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** denylist, max_input and json_schema. */
class OtherGuardrailsTest {

    private static DenylistGuardrail denylist(List<String> patterns, List<String> words, boolean ci, String action) {
        return new DenylistGuardrail(new DenylistOptions(patterns, words, ci, action, null, null), null);
    }

    @Test
    void denylist_denies_on_a_pattern_or_a_word_naming_which_not_what() {
        GuardrailCheck c = denylist(List.of("INC-\\d{6}", "project\\s+falcon"), List.of("codename"), false, null)
                .open(CTX);
        GuardrailVerdict<ChatRequest> v = now(c.input(chat("see INC-123456 about project  falcon")));
        assertFalse(v.allowed());
        assertEquals("denylist:denied (pattern 1, pattern 2)", v.reason());
        assertEquals("denylist:denied (word)", now(c.input(chat("the codename is out"))).reason());
        assertSame(GuardrailVerdict.allow(), now(c.input(chat("codenames and INC-12 are fine"))));
    }

    @Test
    void denylist_case_insensitive_and_through_zero_width_characters() {
        GuardrailCheck c = denylist(List.of(), List.of("Acme Internal"), true, "redact").open(CTX);
        GuardrailVerdict<ChatRequest> v = now(c.input(chat("from ACME internal and acme inter\u200Bnal, acme internals")));
        assertEquals("from [REDACTED_1] and [REDACTED_1], acme internals|", texts(v.replacement()));
        assertEquals("denylist:redacted", v.reason());
    }

    @Test
    void denylist_redacts_answers_and_streams_whatever_the_split() {
        DenylistGuardrail g = denylist(List.of("INC-\\d{6}"), List.of("falcon"), false, "redact");
        String text = "Ticket INC-654321 mentions falcon twice: falcon.";
        String whole = now(g.open(CTX).output(answer(text))).replacement().text();
        assertEquals("Ticket [REDACTED_1] mentions [REDACTED_2] twice: [REDACTED_2].", whole);
        for (int k = 1; k < text.length(); k++) {
            assertEquals(whole, Streams.play(g.open(CTX), Streams.split(text, k)).sent(), "split at " + k);
        }
        assertEquals(whole, Streams.play(g.open(CTX), Streams.perChar(text)).sent());
    }

    @Test
    void denylist_patterns_run_in_linear_time() {
        // (a+)+b backtracks exponentially in java.util.regex; RE2 answers in one pass.
        GuardrailCheck c = denylist(List.of("(a+)+b"), List.of(), false, null).open(CTX);
        String evil = "a".repeat(50_000) + "c";
        assertSame(GuardrailVerdict.allow(), now(c.input(chat(evil))));
        assertFalse(now(c.input(chat(evil + "ab"))).allowed());
    }

    @Test
    void denylist_embeddings() {
        GuardrailCheck c = denylist(List.of(), List.of("secret-project"), false, null).open(CTX);
        assertFalse(now(c.input(new EmbeddingRequest("e", List.of("the secret-project plan"), null, null, null, null)))
                .allowed());
    }

    @Test
    void max_input_counts_tokens_as_core_estimates_them_or_characters() {
        GuardrailCheck tokens = new MaxInputGuardrail(new MaxInputOptions(100, null)).open(CTX);
        // 336 characters / 4 + 16 = 100 tokens: at the limit; one more message is over it.
        assertSame(GuardrailVerdict.allow(), now(tokens.input(chat("x".repeat(336)))));
        GuardrailVerdict<ChatRequest> v = now(tokens.input(chat("x".repeat(336), "y")));
        assertEquals("max_input:denied (about 116 tokens, limit 100)", v.reason());
        GuardrailCheck chars = new MaxInputGuardrail(new MaxInputOptions(null, 10)).open(CTX);
        assertSame(GuardrailVerdict.allow(), now(chars.input(chat("0123456789"))));
        assertEquals("max_input:denied (11 characters, limit 10)", now(chars.input(chat("0123456789A"))).reason());
        assertFalse(now(chars.input(new EmbeddingRequest("e", List.of("0123456", "789AB"), null, null, null, null)))
                .allowed());
        assertEquals(-1, chars.streamWindow());
    }

    private static JsonSchemaGuardrail schema(String json) throws Exception {
        return new JsonSchemaGuardrail(new JsonSchemaOptions(new ObjectMapper().readTree(json), null), null);
    }

    private static final String PERSON = "{\"type\":\"object\",\"required\":[\"name\",\"age\"],"
            + "\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\",\"minimum\":0}}}";

    @Test
    void json_schema_falls_back_on_a_mismatch_and_allows_a_match() throws Exception {
        GuardrailCheck c = schema(PERSON).open(CTX);
        assertSame(GuardrailVerdict.allow(), now(c.output(answer("{\"name\":\"Ada\",\"age\":36}"))));
        assertSame(GuardrailVerdict.allow(), now(c.output(answer("```json\n{\"name\":\"Ada\",\"age\":36}\n```"))));
        GuardrailVerdict<?> wrong = now(c.output(answer("{\"name\":\"Ada\",\"age\":-1}")));
        assertEquals(GuardrailVerdict.Action.FALL_BACK, wrong.action());
        assertEquals("json_schema:mismatch (1 error)", wrong.reason());
        GuardrailVerdict<?> prose = now(c.output(answer("Sure! Ada is 36.")));
        assertEquals(GuardrailVerdict.Action.FALL_BACK, prose.action());
        assertEquals("json_schema:mismatch (not JSON)", prose.reason());
    }

    @Test
    void json_schema_on_a_stream_holds_nothing_back_and_judges_at_the_end() throws Exception {
        JsonSchemaGuardrail g = schema(PERSON);
        GuardrailCheck ok = g.open(CTX);
        assertEquals(0, ok.streamWindow());
        Streams.Result r = Streams.play(ok, Streams.chunks("{\"name\":\"Ada\",\"age\":36}", 4));
        assertFalse(r.denied());
        Streams.Result bad = Streams.play(g.open(CTX), Streams.chunks("{\"name\":\"Ada\"}", 4));
        assertTrue(bad.denied());
        assertEquals("json_schema:mismatch (1 error)", bad.reason());
        assertEquals("{\"name\":\"Ada", bad.sent()); // everything but the last chunk went out as it came
    }
}
