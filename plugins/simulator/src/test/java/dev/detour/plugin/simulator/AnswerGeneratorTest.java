package dev.detour.plugin.simulator;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnswerGeneratorTest {

    private static SimPrompt prompt(String endpoint, String text, Integer maxTokens, List<String> stop,
                                    List<SimPrompt.SimTool> tools, boolean toolResult) {
        return new SimPrompt(endpoint, "m", text, toolResult, tools, SimPrompt.ToolMode.AUTO, null, false, null,
                maxTokens, stop, text.length(), 1, SimPrompt.StreamMode.NONE, false);
    }

    private static JsonNode json(String s) throws Exception {
        return WireJson.MAPPER.readTree(s);
    }

    @Test
    void same_prompt_same_answer_other_prompt_other_answer() {
        SimAnswer a = AnswerGenerator.answer(prompt("p", "How do I bake bread?", null, null, null, false), null).get(0);
        SimAnswer b = AnswerGenerator.answer(prompt("p", "How do I bake bread?", null, null, null, false), null).get(0);
        SimAnswer c = AnswerGenerator.answer(prompt("p", "How do I fix a bike?", null, null, null, false), null).get(0);
        assertEquals(a, b);
        assertNotEquals(a.text(), c.text());
        assertTrue(a.text().startsWith("Simulated answer from p to: How do I bake bread. "), a.text());
        assertEquals(SimAnswer.Finish.STOP, a.finish());
        assertEquals((a.text().length() + 3) / 4, a.completionTokens());
        assertEquals(5, a.promptTokens());
    }

    @Test
    void quotes_at_most_eight_words_of_a_long_prompt() {
        SimAnswer a = AnswerGenerator.answer(prompt("p", "one two three four five six seven eight nine ten", null,
                null, null, false), null).get(0);
        assertTrue(a.text().startsWith("Simulated answer from p to: one two three four five six seven eight .... "),
                a.text());
    }

    @Test
    void max_tokens_cuts_at_a_word_boundary() {
        SimAnswer a = AnswerGenerator.answer(prompt("p", "hi", 6, null, null, false), null).get(0);
        assertEquals(SimAnswer.Finish.LENGTH, a.finish());
        assertTrue(a.completionTokens() <= 6);
        assertTrue(a.text().length() <= 24 && !a.text().endsWith(" "), "'" + a.text() + "'");
    }

    @Test
    void a_stop_sequence_ends_the_answer_before_it() {
        SimAnswer a = AnswerGenerator.answer(prompt("p", "hi", null, List.of("zzz", " answer"), null, false), null).get(0);
        assertEquals("Simulated", a.text());
        assertEquals(SimAnswer.Finish.STOP_SEQUENCE, a.finish());
        assertEquals(" answer", a.stopSequence());
    }

    @Test
    void tool_arguments_follow_the_schema() throws Exception {
        JsonNode schema = json("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"},"
                + "\"n\":{\"type\":[\"integer\",\"null\"]},\"ok\":{\"type\":\"boolean\"},\"x\":{\"type\":\"number\"},"
                + "\"when\":{\"type\":\"string\",\"format\":\"date\"},\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\"]}},"
                + "\"nested\":{\"type\":\"object\",\"properties\":{\"c\":{\"const\":3}}},"
                + "\"either\":{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"integer\"}]}}}");
        SimAnswer a = AnswerGenerator.answer(prompt("p", "go", null, null,
                List.of(new SimPrompt.SimTool("search", schema), new SimPrompt.SimTool("other", null)), false), null).get(0);
        assertNull(a.text());
        assertEquals("search", a.toolCall().name());
        JsonNode args = a.toolCall().arguments();
        assertEquals("sim-q", args.get("q").asText());
        assertTrue(args.get("n").isInt());
        assertTrue(args.get("ok").isBoolean());
        assertTrue(args.get("x").isNumber());
        assertEquals("2025-01-15", args.get("when").asText());
        assertEquals("a", args.at("/tags/0").asText());
        assertEquals(3, args.at("/nested/c").asInt());
        assertTrue(args.get("either").isInt());
        assertEquals(SimAnswer.Finish.TOOL_CALL, a.finish());
    }

    @Test
    void answers_text_after_a_tool_result() {
        SimAnswer a = AnswerGenerator.answer(prompt("p", "{\"t\":21}", null, null,
                List.of(new SimPrompt.SimTool("search", null)), true), null).get(0);
        assertNull(a.toolCall());
        assertTrue(a.text().startsWith("Simulated answer from p using the tool result: {\"t\":21}"), a.text());
    }

    @Test
    void stream_pieces_rebuild_the_text() {
        String text = "Simulated answer from p to: hi.  Two  spaces here.";
        assertEquals(text, String.join("", AnswerGenerator.words(text)));
        assertTrue(AnswerGenerator.words(text).size() > 5);
        assertEquals("{\"a\":1}", String.join("", AnswerGenerator.pieces("{\"a\":1}", 3)));
        assertEquals(List.of(), AnswerGenerator.words(""));
    }
}
