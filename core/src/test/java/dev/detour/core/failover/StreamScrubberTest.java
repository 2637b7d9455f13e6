package dev.detour.core.failover;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.wire.openai.OpenAiJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A secret an upstream splits across stream deltas never reaches a client whole: each stream goes
 * through a {@link StreamScrubber}, then each chunk through the byte filter, as the gateway sends it.
 */
class StreamScrubberTest {
    static final String KEY = "sk-proj-Ab3dEf6hIj9kLm2nOp5q";
    static final String OTHER = "AIzaSyD-0123456789abcdefgh";
    final Scrubber scrubber = new Scrubber(Set.of(KEY, OTHER));
    /**
     * The chunks an adapter delivered with their upstream bytes: as in the engine, the bytes go to
     * the client only with that very instance (a chunk the guard rewrote is another one).
     */
    final Set<ChatChunk> withBytes = Collections.newSetFromMap(new IdentityHashMap<>());

    ChatChunk wired(ChatChunk c) {
        withBytes.add(c);
        return c;
    }

    @Test
    void passes_chunks_that_end_in_no_secret_prefix_as_they_are() {
        StreamScrubber guard = new StreamScrubber(scrubber);
        ChatChunk c = wired(ChatChunk.text("c1", "m", 1, "Hello world"));
        assertSame(c, guard.next(c));
        assertNull(guard.poll());
        ChatChunk key = wired(ChatChunk.text("c1", "m", 1, "a whole " + KEY + " here"));
        assertSame(key, guard.next(key), "a whole secret in one event is the byte filter's to mask");
    }

    @Test
    void a_secret_split_across_content_deltas_is_masked_in_every_piece() {
        Client client = new Client();
        StreamScrubber guard = new StreamScrubber(scrubber);
        client.send(guard, wired(ChatChunk.text("c1", "m", 1, "my key is sk-pr")));
        client.send(guard, ChatChunk.text("c1", "m", 1, "oj-Ab3dE"));
        client.send(guard, ChatChunk.text("c1", "m", 1, "f6hIj9kLm2nOp5q and more"));
        client.send(guard, finish());
        assertEquals("my key is [REDACTED] and more", client.content.toString());
        assertEquals(0, client.raws, "a chunk whose text changed is written afresh, never as the upstream's bytes");
    }

    @Test
    void a_chunk_ending_with_what_begins_no_secret_after_all_leaves_as_it_came() {
        Client client = new Client();
        StreamScrubber guard = new StreamScrubber(scrubber);
        client.send(guard, wired(ChatChunk.text("c1", "m", 1, "the features")));
        assertEquals("", client.content.toString(), "a trailing 's' could begin the key: the chunk is held");
        client.send(guard, wired(ChatChunk.text("c1", "m", 1, " are here")));
        assertEquals("the features are here", client.content.toString());
        client.send(guard, wired(ChatChunk.text("c1", "m", 1, " now.")));
        assertEquals(3, client.raws, "every chunk left with its upstream bytes");
    }

    @Test
    void reasoning_and_each_tool_calls_arguments_are_guarded_apart() {
        Client client = new Client();
        StreamScrubber guard = new StreamScrubber(scrubber);
        client.send(guard, new ChatChunk("c1", "m", 1, 0, "assistant", null, "think sk-proj-A", List.of(), null, null,
                null));
        client.send(guard, new ChatChunk("c1", "m", 1, 0, null, null, "b3dEf6hIj9kLm2nOp5q done", List.of(), null, null,
                null));
        client.send(guard, tools(new ToolCallDelta(0, "call_1", "f", "{\"k\":\"sk-proj-Ab3d"),
                new ToolCallDelta(1, "call_2", "g", "{\"q\":\"AIzaSyD-01")));
        client.send(guard, tools(new ToolCallDelta(0, null, null, "Ef6hIj9kLm2nOp5q\"}"),
                new ToolCallDelta(1, null, null, "23456789abcdefgh\"}")));
        client.send(guard, finish());
        assertEquals("think [REDACTED] done", client.reasoning.toString());
        assertEquals("{\"k\":\"[REDACTED]\"}", client.tools.get(0).toString());
        assertEquals("{\"q\":\"[REDACTED]\"}", client.tools.get(1).toString());
        assertEquals(List.of("call_1", "call_2"), client.toolIds);
    }

    @Test
    void a_secret_escaped_inside_tool_arguments_and_split_is_masked_too() {
        Client client = new Client();
        StreamScrubber guard = new StreamScrubber(scrubber);
        String escaped = ScrubberTest.escapeAll(KEY, false);
        client.send(guard, tools(new ToolCallDelta(0, "call_1", "f", "{\"k\":\"" + escaped.substring(0, 15))));
        client.send(guard, tools(new ToolCallDelta(0, null, null, escaped.substring(15, 40))));
        client.send(guard, tools(new ToolCallDelta(0, null, null, escaped.substring(40) + "\"}")));
        client.send(guard, finish());
        assertEquals("{\"k\":\"[REDACTED]\"}", client.tools.get(0).toString());
    }

    @Test
    void another_fields_content_releases_a_held_tail_first_in_order() {
        Client client = new Client();
        StreamScrubber guard = new StreamScrubber(scrubber);
        client.send(guard, ChatChunk.text("c1", "m", 1, "call it sk"));
        client.send(guard, tools(new ToolCallDelta(0, "call_1", "f", "{}")));
        assertEquals(List.of("content:call it sk", "tool:{}"), client.order);
    }

    @Test
    void a_secret_resumed_after_another_field_loses_its_rest() {
        Client client = new Client();
        StreamScrubber guard = new StreamScrubber(scrubber);
        client.send(guard, ChatChunk.text("c1", "m", 1, "sk-proj-Ab3"));
        client.send(guard, new ChatChunk("c1", "m", 1, 0, null, null, "hmm", List.of(), null, null, null));
        client.send(guard, ChatChunk.text("c1", "m", 1, "dEf6hIj"));
        client.send(guard, ChatChunk.text("c1", "m", 1, "9kLm2nOp5q!"));
        client.send(guard, finish());
        assertFalse(client.content.toString().contains(KEY), client.content.toString());
        assertEquals("sk-proj-Ab3[REDACTED]!", client.content.toString());
    }

    @Test
    void a_finish_or_the_end_releases_what_is_held() {
        Client client = new Client();
        StreamScrubber guard = new StreamScrubber(scrubber);
        client.send(guard, ChatChunk.text("c1", "m", 1, "ends with sk-pr"));
        client.send(guard, finish());
        assertEquals(List.of("content:ends with sk-pr", "finish"), client.order);

        Client other = new Client();
        StreamScrubber g2 = new StreamScrubber(scrubber);
        other.send(g2, ChatChunk.text("c1", "m", 1, "cut at AIza"));
        g2.end();
        other.drain(g2);
        assertEquals("cut at AIza", other.content.toString());
    }

    /**
     * Property, seeded: random texts for content, reasoning and two tool calls with secrets in them,
     * cut into random deltas and interleaved at random (sometimes two fields in one chunk, with
     * empty chunks between). What a client joins per field never holds a secret and keeps all the
     * rest; when fields follow one another whole, it is exactly the text with each secret masked.
     */
    @Test
    void no_split_secret_reaches_a_client_whatever_the_cuts() {
        long seed = Long.getLong("scrubber.seed", 7L);
        Random random = new Random(seed);
        for (int n = 0; n < 1500; n++) {
            boolean interleave = random.nextBoolean();
            String[] texts = new String[4];
            for (int f = 0; f < 4; f++) {
                texts[f] = randomText(random);
            }
            List<ChatChunk> chunks = new ArrayList<>();
            int[] at = new int[4];
            int field = random.nextInt(4);
            while (at[0] < texts[0].length() || at[1] < texts[1].length() || at[2] < texts[2].length()
                    || at[3] < texts[3].length()) {
                if (interleave || at[field] >= texts[field].length()) {
                    field = random.nextInt(4);
                }
                if (at[field] >= texts[field].length()) {
                    continue;
                }
                int end = Math.min(texts[field].length(), at[field] + 1 + random.nextInt(8));
                String piece = texts[field].substring(at[field], end);
                at[field] = end;
                chunks.add(switch (field) {
                    case 0 -> random.nextBoolean() ? wired(ChatChunk.text("c1", "m", 1, piece)) : ChatChunk.text("c1", "m", 1, piece);
                    case 1 -> new ChatChunk("c1", "m", 1, 0, null, null, piece, List.of(), null, null, null);
                    default -> tools(new ToolCallDelta(field - 2, null, null, piece));
                });
                if (random.nextInt(6) == 0) {
                    chunks.add(new ChatChunk("c1", "m", 1, 0, null, null, null, List.of(), null, null, null));
                }
            }
            chunks.add(finish());
            Client client = new Client();
            StreamScrubber guard = new StreamScrubber(scrubber);
            chunks.forEach(c -> client.send(guard, c));
            guard.end();
            client.drain(guard);
            String[] got = {client.content.toString(), client.reasoning.toString(), client.tools.get(0).toString(),
                    client.tools.get(1).toString()};
            for (int f = 0; f < 4; f++) {
                String context = "seed " + seed + " (-Dscrubber.seed), case " + n + ", field " + f + ": " + texts[f]
                        + " -> " + got[f];
                assertFalse(got[f].contains(KEY) || got[f].contains(OTHER), context);
                for (String piece : got[f].split("\\[REDACTED]", -1)) {
                    assertTrue(texts[f].contains(piece), context);
                }
                if (!interleave) {
                    // Adjacent secrets sent in different events are two masks rather than one.
                    assertEquals(scrubber.maskFrom(texts[f], 0), got[f].replaceAll("(\\[REDACTED])+", "[REDACTED]"),
                            context);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static ChatChunk finish() {
        return new ChatChunk("c1", "m", 1, 0, null, null, null, List.of(), FinishReason.STOP, null, null);
    }

    static ChatChunk tools(ToolCallDelta... deltas) {
        return new ChatChunk("c1", "m", 1, 0, null, null, null, List.of(deltas), null, null, null);
    }

    static String randomText(Random random) {
        StringBuilder b = new StringBuilder();
        String[] words = {"the ", "features", " s", "sk", "-", "proj", " AIza", KEY, OTHER, KEY.substring(0, 12), "é",
                "\n", "{\"a\":1}", "x", "\\", "\\u00", "\\n", ScrubberTest.escapeAll(KEY, true),
                ScrubberTest.escapeAll(OTHER.substring(0, 9), false) + OTHER.substring(9)};
        for (int i = random.nextInt(12); i > 0; i--) {
            b.append(words[random.nextInt(words.length)]);
        }
        return b.toString();
    }

    /** What a client joins per field, each chunk written as the gateway writes it and filtered. */
    final class Client {
        final StringBuilder content = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final Map<Integer, StringBuilder> tools = new LinkedHashMap<>(Map.of(0, new StringBuilder(), 1,
                new StringBuilder()));
        final List<String> toolIds = new ArrayList<>();
        final List<String> order = new ArrayList<>();
        int raws;

        void send(StreamScrubber guard, ChatChunk c) {
            ChatChunk out = guard.next(c);
            drain(guard);
            if (out != null) {
                write(out);
            }
        }

        void drain(StreamScrubber guard) {
            for (ChatChunk r = guard.poll(); r != null; r = guard.poll()) {
                write(r);
            }
        }

        private void write(ChatChunk c) {
            if (withBytes.remove(c)) {
                // Its upstream bytes go out; the chunk as written stands in for them (they say the same).
                raws++;
            }
            byte[] bytes = OpenAiJson.writeChunk(c).toString().getBytes(StandardCharsets.UTF_8);
            JsonNode delta;
            try {
                delta = WireJson.MAPPER.readTree(scrubber.scrub(bytes)).at("/choices/0/delta");
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            if (delta.path("content").isTextual()) {
                content.append(delta.path("content").asText());
                order.add("content:" + delta.path("content").asText());
            }
            if (delta.path("reasoning_content").isTextual()) {
                reasoning.append(delta.path("reasoning_content").asText());
            }
            for (JsonNode t : delta.path("tool_calls")) {
                tools.computeIfAbsent(t.path("index").asInt(), i -> new StringBuilder())
                        .append(t.path("function").path("arguments").asText(""));
                if (t.hasNonNull("id")) {
                    toolIds.add(t.path("id").asText());
                }
                order.add("tool:" + t.path("function").path("arguments").asText(""));
            }
            if (c.finishReason() != null) {
                order.add("finish");
            }
        }
    }
}
