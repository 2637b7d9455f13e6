package dev.detour.plugin.cache.semantic;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.detour.api.Clock;
import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pf4j.Extension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The semantic cache with the real local model. */
class SemanticCacheTest {
    static final Duration TTL = Duration.ofMinutes(10);
    static final Duration STALE = Duration.ofHours(1);

    static Vertx vertx;

    static final class ManualClock implements Clock {
        private volatile long nanos = 1_000_000_000L;

        @Override
        public long nanos() {
            return nanos;
        }

        @Override
        public Instant now() {
            return Instant.ofEpochMilli(1_700_000_000_000L + nanos / 1_000_000);
        }

        void advanceMillis(long ms) {
            nanos += ms * 1_000_000;
        }
    }

    private final ManualClock clock = new ManualClock();

    @BeforeAll
    static void load() {
        vertx = Vertx.vertx();
        long t0 = System.nanoTime();
        LocalModel.get(null);
        System.out.printf("local model %s loaded in %d ms (this call: %d ms)%n", LocalModel.NAME, LocalModel.loadMillis(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stop() {
        await(vertx.close());
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static ChatRequest ask(String text) {
        return ChatRequest.builder("support", List.of(Message.text("system", "Be brief."), Message.text("user", text))).build();
    }

    static ChatResponse answer(String text) {
        return new ChatResponse("id", "m", 1L, List.of(new Choice(0, Message.assistant(text, List.of()), FinishReason.STOP)),
                Usage.of(3, 2), null);
    }

    /** Deadlines far beyond any embedding, so the outcome never depends on how busy the machine is. */
    private ResponseCache cache() {
        return new SemanticCacheFactory().create(new SemanticOptions(null, null, null, null, null, "30s"),
                new CacheContext("support", vertx, clock, null, null));
    }

    @Test
    void paraphrases_hit_and_look_alikes_never_do() {
        ResponseCache c = cache();
        int hits = 0;
        int i = 0;
        StringBuilder missed = new StringBuilder();
        for (Labelled.Pair p : Labelled.PARAPHRASES) {
            String ns = "para-" + i++;
            await(c.put(ns, ask(p.a()), answer(p.a()), "t", TTL, STALE));
            CachedResponse<ChatResponse> hit = await(c.get(ns, ask(p.b()), false));
            if (hit != null) {
                hits++;
                assertTrue(hit.similarity() >= SemanticOptions.DEFAULT_SIMILARITY && hit.similarity() <= 1, "" + hit.similarity());
            } else {
                missed.append("\n  ").append(p.a()).append(" | ").append(p.b());
            }
        }
        int falseHits = 0;
        for (Labelled.Pair p : Labelled.LOOK_ALIKES) {
            for (boolean reversed : new boolean[]{false, true}) {
                String ns = "look-" + i++;
                String stored = reversed ? p.b() : p.a();
                String asked = reversed ? p.a() : p.b();
                await(c.put(ns, ask(stored), answer(stored), "t", TTL, STALE));
                CachedResponse<ChatResponse> hit = await(c.get(ns, ask(asked), false));
                assertNull(hit, "a look-alike hit: '" + asked + "' got the answer to '" + stored + "'");
            }
        }
        double recall = (double) hits / Labelled.PARAPHRASES.size();
        System.out.printf("similarity %.2f: precision %d/%d look-alike lookups missed, recall %d/%d paraphrases hit (%.0f%%); missed:%s%n",
                SemanticOptions.DEFAULT_SIMILARITY, 2 * Labelled.LOOK_ALIKES.size() - falseHits,
                2 * Labelled.LOOK_ALIKES.size(), hits, Labelled.PARAPHRASES.size(), 100 * recall, missed);
        assertTrue(recall >= 0.65, "recall " + recall);
    }

    @Test
    void cosine_alone_cannot_separate_look_alikes_from_paraphrases() {
        double lowestParaphrase = 1;
        for (Labelled.Pair p : Labelled.PARAPHRASES) {
            lowestParaphrase = Math.min(lowestParaphrase, SemanticCache.dot(LocalModel.embed(p.a()), LocalModel.embed(p.b())));
        }
        double highestLookAlike = 0;
        for (Labelled.Pair p : Labelled.LOOK_ALIKES) {
            highestLookAlike = Math.max(highestLookAlike, SemanticCache.dot(LocalModel.embed(p.a()), LocalModel.embed(p.b())));
        }
        assertTrue(highestLookAlike > 0.95 && highestLookAlike > lowestParaphrase,
                "look-alikes up to " + highestLookAlike + ", paraphrases from " + lowestParaphrase);
        assertTrue(SemanticCache.dot(LocalModel.embed("refill prescription 123"), LocalModel.embed("refill prescription 124"))
                > SemanticOptions.DEFAULT_SIMILARITY, "the issue's example is above the threshold: only the guard stops it");
    }

    @Test
    void an_identical_request_hits_exactly_with_similarity_one() {
        ResponseCache c = cache();
        await(c.put("ns", ask("How do I reset my password?"), answer("Click reset."), "openai/gpt-4o", TTL, STALE));
        CachedResponse<ChatResponse> hit = await(c.get("ns", ask("How do I reset my password?"), false));
        assertEquals(1.0, hit.similarity());
        assertEquals("Click reset.", hit.response().text());
        assertEquals("openai/gpt-4o", hit.target());
        CachedResponse<ChatResponse> near = await(c.get("ns", ask("What is the way to reset my password?"), false));
        assertNotNull(near);
        assertTrue(near.similarity() < 1.0);
    }

    @Test
    void every_other_part_must_be_equal() {
        ResponseCache c = cache();
        ChatRequest stored = ask("How do I reset my password?");
        await(c.put("ns", stored, answer("Click reset."), "t", TTL, STALE));
        String para = "What is the way to reset my password?";
        assertNotNull(await(c.get("ns", ask(para), false)));
        assertNull(await(c.get("ns", ask(para).toBuilder().temperature(1.2).build(), false)), "temperature");
        assertNull(await(c.get("ns", ask(para).toBuilder().model("other").build(), false)), "route");
        assertNull(await(c.get("ns", ask(para).toBuilder().tools(List.of(new dev.detour.api.model.Tool("f", null, null, null)))
                .build(), false)), "tools");
        assertNull(await(c.get("ns", ChatRequest.builder("support", List.of(Message.text("system", "Be verbose."),
                Message.text("user", para))).build(), false)), "system prompt");
        assertNull(await(c.get("ns", ChatRequest.builder("support", List.of(Message.text("system", "Be brief."),
                Message.text("user", "Hi"), Message.text("assistant", "Hello"), Message.text("user", para))).build(), false)),
                "earlier turns");
    }

    @Test
    void namespaces_never_leak() {
        ResponseCache c = cache();
        await(c.put("key:team-a", ask("What is our discount code?"), answer("A-SECRET"), "t", TTL, STALE));
        assertNull(await(c.get("key:team-b", ask("What is our discount code?"), true)));
        assertNull(await(c.get("key:team-b", ask("What's our discount code?"), true)));
        assertNotNull(await(c.get("key:team-a", ask("What's our discount code?"), true)));
    }

    @Test
    void fresh_then_stale_then_gone_on_the_clock_for_hits_by_meaning() {
        ResponseCache c = cache();
        await(c.put("ns", ask("How do I cancel my subscription?"), answer("Settings."), "t", TTL, STALE));
        ChatRequest para = ask("How can I cancel my subscription?");
        assertFalse(await(c.get("ns", para, false)).stale());
        clock.advanceMillis(TTL.toMillis());
        assertNull(await(c.get("ns", para, false)));
        assertTrue(await(c.get("ns", para, true)).stale());
        clock.advanceMillis(STALE.toMillis());
        assertNull(await(c.get("ns", para, true)));
        SemanticCache s = (SemanticCache) c;
        s.store().cleanUp();
        assertEquals(0, s.bucketSize("ns", para), "an expired entry leaves its bucket");
    }

    @Test
    void a_last_message_that_is_not_plain_user_text_is_cached_exactly() {
        ResponseCache c = cache();
        ChatRequest withImage = ChatRequest.builder("support", List.of(new Message("user", List.of(
                new ContentPart.Text("What is in this picture?"), new ContentPart.Image("https://x/a.png", null)), false,
                null, List.of(), null, null, null))).build();
        await(c.put("ns", withImage, answer("A cat."), "t", TTL, STALE));
        assertEquals("A cat.", await(c.get("ns", withImage, false)).response().text());
        ChatRequest other = ChatRequest.builder("support", List.of(new Message("user", List.of(
                new ContentPart.Text("What's in this picture?"), new ContentPart.Image("https://x/a.png", null)), false,
                null, List.of(), null, null, null))).build();
        assertNull(await(c.get("ns", other, false)));
    }

    @Test
    void the_factory_is_an_extension_of_type_semantic() {
        SemanticCacheFactory f = new SemanticCacheFactory();
        assertEquals("semantic", f.type());
        assertEquals(SemanticOptions.class, f.optionsType());
        assertNotNull(SemanticCacheFactory.class.getAnnotation(Extension.class));
    }

    private static final ObjectMapper CORE_LIKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Test
    void options_bind_strictly_with_defaults_and_named_errors() throws Exception {
        SemanticOptions d = CORE_LIKE.readValue("{}", SemanticOptions.class);
        assertEquals(SemanticOptions.defaults(), d);
        assertEquals(0.90, d.similarity());
        assertNull(d.embedderRoute());
        assertEquals(250, d.embedTimeoutMillis());
        assertEquals(10_000, d.maxEntries());
        SemanticOptions r = CORE_LIKE.readValue("{\"similarity\": 0.95, \"embedder\": {\"route\": \"embed\"}, \"store\": \"memory\","
                + " \"max_entries\": 100, \"max_bytes\": \"10MB\", \"embed_timeout\": \"2s\"}", SemanticOptions.class);
        assertEquals("embed", r.embedderRoute());
        assertEquals(2000, r.embedTimeoutMillis());
        assertEquals(10L * 1024 * 1024, r.memory().maxBytesValue());
        assertNull(CORE_LIKE.readValue("{\"embedder\": \"local\"}", SemanticOptions.class).embedderRoute());
        assertThrows(Exception.class, () -> CORE_LIKE.readValue("{\"threshold\": 0.9}", SemanticOptions.class));
        assertMessage("similarity must be within (0, 1]", "{\"similarity\": 1.5}");
        assertMessage("embedder must be local or {route: NAME}", "{\"embedder\": \"remote\"}");
        assertMessage("embedder must be local or {route: NAME}", "{\"embedder\": {\"route\": \"e\", \"model\": \"x\"}}");
        assertMessage("store: redis is not available yet", "{\"store\": \"redis\"}");
        assertMessage("embed_timeout must be a duration", "{\"embed_timeout\": \"soon\"}");
        assertMessage("max_bytes must be at least 64KB", "{\"max_bytes\": \"1KB\"}");
    }

    private static void assertMessage(String expected, String json) {
        Exception e = assertThrows(Exception.class, () -> CORE_LIKE.readValue(json, SemanticOptions.class));
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains(expected), root.getMessage());
    }
}
