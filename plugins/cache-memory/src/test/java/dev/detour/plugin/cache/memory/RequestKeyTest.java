package dev.detour.plugin.cache.memory;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static dev.detour.plugin.cache.memory.Requests.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestKeyTest {

    /** A request with every field set, so each change below is a change of one part. */
    private static ChatRequest base() {
        List<Message> messages = List.of(
                Message.text("system", "Be brief."),
                new Message("user", List.of(new ContentPart.Text("What is in this picture?"),
                        new ContentPart.Image("https://example.com/a.png", "low")), false, "ann", List.of(), null, null, null),
                new Message("assistant", null, false, null, List.of(new ToolCall("call_1", "lookup", "{\"q\":1}")),
                        null, null, null),
                new Message("tool", List.of(new ContentPart.Text("{\"found\":true}")), true, null, List.of(), "call_1",
                        null, null),
                Message.text("user", "Thanks, and the other one?"));
        return ChatRequest.builder("support", messages)
                .tools(List.of(new Tool("lookup", "Looks things up", json("{\"type\":\"object\"}"), true)))
                .toolChoice(json("{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}"))
                .parallelToolCalls(true)
                .responseFormat(json("{\"type\":\"json_object\"}"))
                .stop(List.of("END"))
                .temperature(0.2).topP(0.9).maxTokens(100).maxCompletionTokens(120).seed(7L).n(1)
                .user("u-1").metadata(Map.of("team", "a"))
                .extra(json("{\"logit_bias\":{\"50256\":-100},\"top_k\":40}"))
                .build();
    }

    private static ChatRequest withMessage(int i, Message m) {
        List<Message> ms = new ArrayList<>(base().messages());
        ms.set(i, m);
        return base().toBuilder().messages(ms).build();
    }

    @Test
    void every_part_that_changes_the_answer_changes_the_key() {
        Map<String, UnaryOperator<ChatRequest>> changes = new LinkedHashMap<>();
        changes.put("model", r -> r.toBuilder().model("other-route").build());
        changes.put("a message's text", r -> withMessage(0, Message.text("system", "Be verbose.")));
        changes.put("a message's role", r -> withMessage(0, Message.text("developer", "Be brief.")));
        changes.put("a message's name", r -> withMessage(1, new Message("user", base().messages().get(1).content(),
                false, "bob", List.of(), null, null, null)));
        changes.put("an image part", r -> withMessage(1, new Message("user", List.of(new ContentPart.Text("What is in this picture?"),
                new ContentPart.Image("https://example.com/b.png", "low")), false, "ann", List.of(), null, null, null)));
        changes.put("an image's detail", r -> withMessage(1, new Message("user", List.of(new ContentPart.Text("What is in this picture?"),
                new ContentPart.Image("https://example.com/a.png", "high")), false, "ann", List.of(), null, null, null)));
        changes.put("an other part", r -> withMessage(1, new Message("user", List.of(new ContentPart.Text("What is in this picture?"),
                new ContentPart.Other("input_audio", json("{\"data\":\"AAA\"}"))), false, "ann", List.of(), null, null, null)));
        changes.put("a tool call's arguments", r -> withMessage(2, new Message("assistant", null, false, null,
                List.of(new ToolCall("call_1", "lookup", "{\"q\":2}")), null, null, null)));
        changes.put("a tool call's name", r -> withMessage(2, new Message("assistant", null, false, null,
                List.of(new ToolCall("call_1", "search", "{\"q\":1}")), null, null, null)));
        changes.put("a tool call id", r -> withMessage(3, new Message("tool", List.of(new ContentPart.Text("{\"found\":true}")),
                true, null, List.of(), "call_2", null, null)));
        changes.put("a message more", r -> r.toBuilder().messages(append(r.messages(), Message.text("user", "?"))).build());
        changes.put("tools", r -> r.toBuilder().tools(List.of()).build());
        changes.put("a tool's schema", r -> r.toBuilder().tools(List.of(new Tool("lookup", "Looks things up",
                json("{\"type\":\"object\",\"required\":[\"q\"]}"), true))).build());
        changes.put("a tool's strict flag", r -> r.toBuilder().tools(List.of(new Tool("lookup", "Looks things up",
                json("{\"type\":\"object\"}"), false))).build());
        changes.put("tool_choice", r -> r.toBuilder().toolChoice(json("{\"type\":\"function\",\"function\":{\"name\":\"other\"}}")).build());
        changes.put("parallel_tool_calls", r -> r.toBuilder().parallelToolCalls(false).build());
        changes.put("response_format", r -> r.toBuilder().responseFormat(null).build());
        changes.put("stop", r -> r.toBuilder().stop(List.of("STOP")).build());
        changes.put("temperature", r -> r.toBuilder().temperature(0.3).build());
        changes.put("top_p", r -> r.toBuilder().topP(1.0).build());
        changes.put("max_tokens", r -> r.toBuilder().maxTokens(101).build());
        changes.put("max_completion_tokens", r -> r.toBuilder().maxCompletionTokens(null).build());
        changes.put("seed", r -> r.toBuilder().seed(8L).build());
        changes.put("n", r -> r.toBuilder().n(2).build());
        changes.put("an extra field's value", r -> r.toBuilder().extra(json("{\"logit_bias\":{\"50256\":-100},\"top_k\":41}")).build());
        changes.put("an extra field more", r -> r.toBuilder().extra(json("{\"logit_bias\":{\"50256\":-100},\"top_k\":40,\"min_p\":0.1}")).build());
        changes.put("no extra", r -> r.toBuilder().extra(null).build());
        CacheKey key = RequestKey.chat("ns", base());
        List<CacheKey> seen = new ArrayList<>(List.of(key));
        for (Map.Entry<String, UnaryOperator<ChatRequest>> c : changes.entrySet()) {
            CacheKey changed = RequestKey.chat("ns", c.getValue().apply(base()));
            assertNotEquals(key, changed, c.getKey() + " must change the key");
            assertTrue(!seen.contains(changed), c.getKey() + " collides with another change");
            seen.add(changed);
        }
    }

    @Test
    void parts_that_do_not_change_the_answer_leave_the_key_alone() {
        CacheKey key = RequestKey.chat("ns", base());
        assertEquals(key, RequestKey.chat("ns", base().toBuilder().user("u-2").build()), "user");
        assertEquals(key, RequestKey.chat("ns", base().toBuilder().user(null).build()), "no user");
        assertEquals(key, RequestKey.chat("ns", base().toBuilder().stream(true).includeUsage(true).build()), "stream");
        assertEquals(key, RequestKey.chat("ns", base().toBuilder().metadata(Map.of("team", "b")).build()), "metadata");
        // The same text as a string or as one text part.
        assertEquals(RequestKey.chat("ns", withMessage(0, Message.text("system", "Be brief."))),
                RequestKey.chat("ns", withMessage(0, new Message("system", List.of(new ContentPart.Text("Be brief.")),
                        false, null, List.of(), null, null, null))));
    }

    @Test
    void json_is_compared_by_value_not_by_spelling() {
        CacheKey key = RequestKey.chat("ns", base());
        assertEquals(key, RequestKey.chat("ns", base().toBuilder()
                .extra(json("{\"top_k\":40.0,\"logit_bias\":{\"50256\":-1e2}}")).build()), "key order and number spelling");
        assertEquals(key, RequestKey.chat("ns", base().toBuilder()
                .toolChoice(json("{\"function\":{\"name\":\"lookup\"},\"type\":\"function\"}")).build()));
        assertNotEquals(key, RequestKey.chat("ns", base().toBuilder()
                .extra(json("{\"logit_bias\":{\"50256\":-100},\"top_k\":\"40\"}")).build()), "a string is not a number");
    }

    @Test
    void values_are_length_prefixed_so_boundaries_cannot_shift() {
        ChatRequest a = base().toBuilder().stop(List.of("ab", "c")).build();
        ChatRequest b = base().toBuilder().stop(List.of("a", "bc")).build();
        assertNotEquals(RequestKey.chat("ns", a), RequestKey.chat("ns", b));
        assertNotEquals(RequestKey.chat("team-ab", base()), RequestKey.chat("team-a", base().toBuilder().model("bsupport").build()));
    }

    @Test
    void the_namespace_is_part_of_the_key() {
        assertNotEquals(RequestKey.chat("route:support/key:a", base()), RequestKey.chat("route:support/key:b", base()));
        EmbeddingRequest e = new EmbeddingRequest("embed", List.of("hello"), null, null, null, null);
        assertNotEquals(RequestKey.embeddings("a", e), RequestKey.embeddings("b", e));
    }

    @Test
    void the_omitted_message_keeps_its_place() {
        ChatRequest r = base();
        CacheKey without = RequestKey.chatWithout("ns", r, 4);
        assertEquals(without, RequestKey.chatWithout("ns", withMessage(4, Message.text("user", "Something else")), 4));
        assertNotEquals(without, RequestKey.chat("ns", r));
        assertNotEquals(without, RequestKey.chatWithout("ns", r, 0));
    }

    @Test
    void embeddings_keys_cover_model_input_dimensions_format_and_extra_but_not_user() {
        EmbeddingRequest e = new EmbeddingRequest("embed", List.of("hello", "world"), 256, "float", "u", json("{\"x\":1}"));
        CacheKey key = RequestKey.embeddings("ns", e);
        assertEquals(key, RequestKey.embeddings("ns", new EmbeddingRequest("embed", List.of("hello", "world"), 256, "float", "v", json("{\"x\":1}"))));
        for (EmbeddingRequest other : List.of(
                new EmbeddingRequest("embed2", List.of("hello", "world"), 256, "float", "u", json("{\"x\":1}")),
                new EmbeddingRequest("embed", List.of("world", "hello"), 256, "float", "u", json("{\"x\":1}")),
                new EmbeddingRequest("embed", List.of("hello", "world"), 512, "float", "u", json("{\"x\":1}")),
                new EmbeddingRequest("embed", List.of("hello", "world"), 256, "base64", "u", json("{\"x\":1}")),
                new EmbeddingRequest("embed", List.of("hello", "world"), 256, "float", "u", json("{\"x\":2}")))) {
            assertNotEquals(key, RequestKey.embeddings("ns", other), other.toString());
        }
    }

    private static List<Message> append(List<Message> ms, Message m) {
        List<Message> out = new ArrayList<>(ms);
        out.add(m);
        return out;
    }
}
