package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.model.ChatResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static dev.detour.plugin.guardrails.PiiGuardrailTest.CTX;
import static dev.detour.plugin.guardrails.PiiGuardrailTest.answer;
import static dev.detour.plugin.guardrails.PiiGuardrailTest.chat;
import static dev.detour.plugin.guardrails.PiiGuardrailTest.pii;
import static dev.detour.plugin.guardrails.Streams.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streamed answers: whatever the chunking, the client gets what the whole answer would give. */
class PiiStreamTest {

    static final String ANSWER = "Dear jane@example.com, your card 4111 1111 1111 1111 and IBAN DE89 3704 0044 0532 0130 00"
            + " are on file; call +44 20 7946 0958 or reach 192.168.1.20. Key " + PiiScannerTest.OPENAI_KEY
            + " and token " + PiiScannerTest.JWT + " end. SSN 078-05-1120.";

    private static String whole(String text) {
        GuardrailCheck c = pii("redact", false, null).open(CTX);
        ChatResponse r = now(c.output(answer(text))).replacement();
        return r == null ? text : r.text();
    }

    private static Streams.Result stream(List<String> chunks) {
        return Streams.play(pii("redact", false, null).open(CTX), chunks);
    }

    @Test
    void every_split_point_gives_the_whole_answers_redaction() {
        String expected = whole(ANSWER);
        assertTrue(expected.contains("[EMAIL_1]") && expected.contains("[SECRET_2]") && expected.contains("[US_SSN_1]"),
                expected);
        for (int k = 1; k < ANSWER.length(); k++) {
            Streams.Result r = stream(Streams.split(ANSWER, k));
            assertEquals(expected, r.sent(), "split at " + k);
        }
    }

    @Test
    void every_pair_of_split_points_around_each_value_gives_the_same() {
        String text = "x jane@example.com y 4111-1111-1111-1111 z";
        String expected = whole(text);
        for (int a = 1; a < text.length() - 1; a++) {
            for (int b = a + 1; b < text.length(); b++) {
                assertEquals(expected, stream(Streams.split(text, a, b)).sent(), a + "," + b);
            }
        }
    }

    @Test
    void one_character_per_chunk_and_small_chunks_give_the_same() {
        String expected = whole(ANSWER);
        assertEquals(expected, stream(Streams.perChar(ANSWER)).sent());
        for (int size : new int[] {2, 3, 7, 16, 50}) {
            assertEquals(expected, stream(Streams.chunks(ANSWER, size)).sent(), "chunks of " + size);
        }
    }

    @Test
    void text_is_held_back_only_by_the_window_not_to_the_end() {
        GuardrailCheck c = pii("redact", false, null).open(CTX);
        String longText = "plain words without anything personal. ".repeat(40);
        Streams.Result partial = Streams.play(c, List.of(longText, "more"));
        assertEquals(longText + "more", partial.sent());
        int window = c.streamWindow();
        assertTrue(window > 0 && window < 300, "window " + window);
        PiiGuardrail onlyCards = new PiiGuardrail(new PiiOptions(List.of("credit_card"), null, null, null, null, null),
                null);
        assertTrue(onlyCards.open(CTX).streamWindow() < 40);
    }

    @Test
    void a_pem_block_streamed_in_small_chunks_never_reaches_the_client() {
        String text = "Here it is:\n" + PiiScannerTest.PEM + "\nKeep it safe.";
        String expected = whole(text);
        assertEquals("Here it is:\n[SECRET_1]\nKeep it safe.", expected);
        for (int size : new int[] {1, 3, 5, 11, 40}) {
            Streams.Result r = stream(Streams.chunks(text, size));
            assertEquals(expected, r.sent(), "chunks of " + size);
        }
        // A block with no footer before the end of the answer is redacted to the end.
        String cut = "Here:\n" + PiiScannerTest.PEM.substring(0, 80);
        assertEquals("Here:\n[SECRET_1]", stream(Streams.chunks(cut, 7)).sent());
    }

    @Test
    void restore_in_a_stream_whatever_the_split() {
        String answerText = "Hi [EMAIL_1], your card [CREDIT_CARD_1] is noted; I wrote to ops@corp.example.";
        for (int k = 0; k <= answerText.length(); k++) {
            GuardrailCheck c = pii("redact", true, null).open(CTX);
            now(c.input(chat("I am jane@example.com, card 4111 1111 1111 1111")));
            List<String> chunks = k == 0 ? Streams.perChar(answerText) : Streams.split(answerText, k);
            Streams.Result r = Streams.play(c, chunks);
            assertEquals("Hi jane@example.com, your card 4111 1111 1111 1111 is noted; I wrote to [EMAIL_2].", r.sent(),
                    "split at " + k);
        }
    }

    @Test
    void deny_in_a_stream_stops_before_any_part_of_the_value_is_sent() {
        String text = "Sure. The number is 078-05-1120 and more text follows here.";
        for (int k = 1; k < text.length(); k++) {
            Streams.Result r = Streams.play(pii("deny", null, null).open(CTX), Streams.split(text, k));
            assertTrue(r.denied(), "split at " + k);
            assertEquals("pii:denied (us_ssn)", r.reason());
            assertFalse(r.sent().contains("078"), r.sent());
        }
    }

    @Test
    void several_choices_interleaved_keep_their_own_state() {
        GuardrailCheck c = pii("redact", false, null).open(CTX);
        int w = c.streamWindow();
        String a = "A".repeat(w) + " mail jane@exa";
        String b = "B".repeat(w) + " mail bob@exa";
        // Core keeps one held-back text per choice and shows each choice's own.
        String outA = Streams.now(c.outputText(0, a, false)).replacement();
        String heldA = (outA == null ? a : outA).substring((outA == null ? a : outA).length() - w);
        String outB = Streams.now(c.outputText(1, b, false)).replacement();
        String heldB = (outB == null ? b : outB).substring((outB == null ? b : outB).length() - w);
        String endA = Streams.now(c.outputText(0, heldA + "mple.com.", true)).replacement();
        String endB = Streams.now(c.outputText(1, heldB + "mple.org.", true)).replacement();
        assertTrue(endA.endsWith("mail [EMAIL_1]."), endA);
        assertTrue(endB.endsWith("mail [EMAIL_2]."), endB);
    }

    private static final String[] PIECES = {"jane@example.com", "4111 1111 1111 1111", "+44 20 7946 0958",
        "078-05-1120", "192.168.1.20", "2001:db8::1", "DE89 3704 0044 0532 0130 00", PiiScannerTest.AWS_KEY,
        PiiScannerTest.OPENAI_KEY, " ", " ", "  ", "a", "word", "12", "+", "(", ")", "@", ":", ".", "-", "\u200B",
        "\uFF14", "[EMAIL_1]", "x@y", "555", "\n"};

    @Test
    @Timeout(120) // a safety net against a scan that does not terminate, not a timed assertion
    void random_texts_in_random_chunks_give_the_whole_answers_redaction() {
        java.util.Random random = new java.util.Random(16);
        for (int round = 0; round < 300; round++) {
            StringBuilder sb = new StringBuilder();
            int pieces = 1 + random.nextInt(25);
            String[] between = {" ", "\n", ", ", ". ", " (", ") "};
            for (int p = 0; p < pieces; p++) {
                sb.append(PIECES[random.nextInt(PIECES.length)]).append(between[random.nextInt(between.length)]);
            }
            String text = sb.toString();
            String expected = whole(text);
            java.util.List<String> chunks = new java.util.ArrayList<>();
            for (int i = 0; i < text.length(); ) {
                int size = 1 + random.nextInt(12);
                chunks.add(text.substring(i, Math.min(text.length(), i + size)));
                i += size;
            }
            assertEquals(expected, stream(chunks).sent(), "text " + text + " chunks " + chunks);
        }
    }
}
