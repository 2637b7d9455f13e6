package dev.detour.plugin.cache.memory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.Usage;
import org.junit.jupiter.api.Test;
import org.pf4j.Extension;

import java.time.Duration;
import java.util.List;

import static dev.detour.plugin.cache.memory.Requests.answer;
import static dev.detour.plugin.cache.memory.Requests.ask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryCacheTest {
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final Duration STALE = Duration.ofHours(1);

    private final ManualClock clock = new ManualClock();

    private MemoryCache cache(Integer maxEntries, String maxBytes) {
        return new MemoryCache(new MemoryOptions(maxEntries, maxBytes), clock);
    }

    @Test
    void a_stored_answer_is_found_for_the_same_request_only() {
        MemoryCache c = cache(null, null);
        ChatResponse a = answer("Paris.");
        assertNull(c.get("ns", ask("Capital of France?"), false).result());
        c.put("ns", ask("Capital of France?"), a, "openai/gpt-4o", TTL, STALE).result();
        CachedResponse<ChatResponse> hit = c.get("ns", ask("Capital of France?").toBuilder().stream(true).user("x").build(),
                false).result();
        assertNotNull(hit);
        assertSame(a, hit.response());
        assertEquals("openai/gpt-4o", hit.target());
        assertFalse(hit.stale());
        assertEquals(1.0, hit.similarity());
        assertEquals(clock.now().toEpochMilli(), hit.storedAtMillis());
        assertNull(c.get("ns", ask("Capital of Spain?"), false).result());
        assertNull(c.get("ns", ask("Capital of France?").toBuilder().temperature(1.5).build(), false).result());
    }

    @Test
    void namespaces_never_leak() {
        MemoryCache c = cache(null, null);
        c.put("route:support/key:team-a", ask("Our secret plan?"), answer("A's plan"), "t", TTL, STALE).result();
        assertNull(c.get("route:support/key:team-b", ask("Our secret plan?"), true).result());
        assertNull(c.get("route:support", ask("Our secret plan?"), true).result());
        c.put("route:support/key:team-b", ask("Our secret plan?"), answer("B's plan"), "t", TTL, STALE).result();
        assertEquals("A's plan", c.get("route:support/key:team-a", ask("Our secret plan?"), false).result().response().text());
        assertEquals("B's plan", c.get("route:support/key:team-b", ask("Our secret plan?"), false).result().response().text());
        EmbeddingRequest e = new EmbeddingRequest("embed", List.of("x"), null, null, null, null);
        c.putEmbeddings("a", e, new EmbeddingResponse("m", List.of(new float[]{1f}), null), "t", TTL, STALE).result();
        assertNull(c.getEmbeddings("b", e, true).result());
    }

    @Test
    void fresh_for_the_ttl_then_stale_until_max_stale_then_gone() {
        MemoryCache c = cache(null, null);
        c.put("ns", ask("q"), answer("a"), "t", TTL, STALE).result();
        clock.advanceMillis(TTL.toMillis() - 1);
        assertFalse(c.get("ns", ask("q"), false).result().stale());
        clock.advanceMillis(1);
        assertNull(c.get("ns", ask("q"), false).result(), "past the TTL: no fresh hit");
        CachedResponse<ChatResponse> stale = c.get("ns", ask("q"), true).result();
        assertTrue(stale.stale());
        assertEquals("a", stale.response().text());
        clock.advanceMillis(STALE.toMillis() - 1);
        assertTrue(c.get("ns", ask("q"), true).result().stale());
        clock.advanceMillis(1);
        assertNull(c.get("ns", ask("q"), true).result(), "past max_stale: gone");
        c.store().cleanUp();
        assertEquals(0, c.store().entries());
        assertEquals(0, c.store().bytes());
        assertEquals(1, c.store().expirations());
    }

    @Test
    void without_max_stale_an_entry_is_gone_with_its_ttl() {
        MemoryCache c = cache(null, null);
        c.put("ns", ask("q"), answer("a"), "t", TTL, Duration.ZERO).result();
        clock.advanceMillis(TTL.toMillis());
        assertNull(c.get("ns", ask("q"), true).result());
    }

    @Test
    void a_new_answer_replaces_the_old_and_restarts_its_ttl() {
        MemoryCache c = cache(null, null);
        c.put("ns", ask("q"), answer("old"), "t", TTL, STALE).result();
        clock.advanceMillis(TTL.toMillis() + 5);
        c.put("ns", ask("q"), answer("new"), "t", TTL, STALE).result();
        CachedResponse<ChatResponse> hit = c.get("ns", ask("q"), false).result();
        assertEquals("new", hit.response().text());
        assertFalse(hit.stale());
        c.store().cleanUp();
        assertEquals(1, c.store().entries());
    }

    @Test
    void nothing_is_stored_without_a_positive_ttl() {
        MemoryCache c = cache(null, null);
        c.put("ns", ask("q"), answer("a"), "t", Duration.ZERO, STALE).result();
        assertNull(c.get("ns", ask("q"), true).result());
    }

    @Test
    void max_entries_bounds_the_count() {
        MemoryCache c = cache(50, null);
        for (int i = 0; i < 500; i++) {
            c.put("ns", ask("question " + i), answer("answer " + i), "t", TTL, STALE).result();
        }
        c.store().cleanUp();
        assertTrue(c.store().entries() <= 50, "entries " + c.store().entries());
        assertTrue(c.store().evictions() >= 450, "evictions " + c.store().evictions());
    }

    @Test
    void max_bytes_holds_under_a_flood_of_unique_prompts() {
        long maxBytes = 1024 * 1024;
        MemoryCache c = cache(1_000_000, "1MB");
        String body = "x".repeat(2_000);
        long largest = 0;
        for (int i = 0; i < 20_000; i++) {
            ChatResponse a = answer(body + i);
            largest = Math.max(largest, Sizes.of(a));
            c.put("ns", ask("unique prompt number " + i), a, "openai/gpt-4o", TTL, STALE).result();
            assertTrue(c.store().bytes() <= maxBytes + largest + MemoryCache.OVERHEAD, "bytes " + c.store().bytes() + " after " + i);
        }
        c.store().cleanUp();
        assertTrue(c.store().bytes() <= maxBytes, "bytes " + c.store().bytes());
        assertTrue(c.store().entries() > 100, "still caching: " + c.store().entries());
        // Each answer is about 4KB on the heap: about 250 fit.
        assertTrue(c.store().entries() < 300, "entries " + c.store().entries());
    }

    @Test
    void size_estimates_cover_the_text_twice_over() {
        ChatResponse a = answer("y".repeat(1000));
        assertTrue(Sizes.of(a) >= 2000, "chars at two bytes each");
        EmbeddingResponse e = new EmbeddingResponse("m", List.of(new float[384], new float[384]), Usage.of(3, 0));
        assertTrue(Sizes.of(e) >= 2 * 384 * 4);
    }

    @Test
    void embeddings_are_cached_exactly() {
        MemoryCache c = cache(null, null);
        EmbeddingRequest e = new EmbeddingRequest("embed", List.of("hello"), null, null, "u1", null);
        EmbeddingResponse r = new EmbeddingResponse("m", List.of(new float[]{0.1f, 0.2f}), Usage.of(1, 0));
        assertNull(c.getEmbeddings("ns", e, false).result());
        c.putEmbeddings("ns", e, r, "openai/te3", TTL, STALE).result();
        assertSame(r, c.getEmbeddings("ns", new EmbeddingRequest("embed", List.of("hello"), null, null, "u2", null), false)
                .result().response());
        assertNull(c.getEmbeddings("ns", new EmbeddingRequest("embed", List.of("hello!"), null, null, null, null), false).result());
        assertNull(c.get("ns", ask("hello"), true).result(), "chat and embeddings never meet");
    }

    @Test
    void close_drops_everything() {
        MemoryCache c = cache(null, null);
        c.put("ns", ask("q"), answer("a"), "t", TTL, STALE).result();
        c.close().result();
        assertNull(c.get("ns", ask("q"), true).result());
        assertEquals(0, c.store().bytes());
    }

    // --- options, bound the way core binds them ---

    private static final ObjectMapper CORE_LIKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    @Test
    void options_bind_strictly_with_defaults_and_named_errors() throws Exception {
        assertEquals(MemoryOptions.defaults(), CORE_LIKE.readValue("{}", MemoryOptions.class));
        assertEquals(10_000, MemoryOptions.defaults().maxEntries());
        assertEquals(256L * 1024 * 1024, MemoryOptions.defaults().maxBytesValue());
        MemoryOptions o = CORE_LIKE.readValue("{\"max_entries\": 5, \"max_bytes\": \"64KB\"}", MemoryOptions.class);
        assertEquals(5, o.maxEntries());
        assertEquals(65536, o.maxBytesValue());
        assertEquals(2L * 1024 * 1024 * 1024, CORE_LIKE.readValue("{\"max_bytes\": \"2GB\"}", MemoryOptions.class).maxBytesValue());
        assertEquals(100_000, CORE_LIKE.readValue("{\"max_bytes\": 100000}", MemoryOptions.class).maxBytesValue());
        assertThrows(Exception.class, () -> CORE_LIKE.readValue("{\"maxEntries\": 5}", MemoryOptions.class));
        assertThrows(Exception.class, () -> CORE_LIKE.readValue("{\"ttl\": \"5m\"}", MemoryOptions.class));
        assertMessage("max_entries must be at least 1", "{\"max_entries\": 0}");
        assertMessage("max_bytes must be a size like 256MB", "{\"max_bytes\": \"lots\"}");
        assertMessage("max_bytes must be at least 64KB", "{\"max_bytes\": \"1KB\"}");
    }

    private static void assertMessage(String expected, String json) {
        Exception e = assertThrows(Exception.class, () -> CORE_LIKE.readValue(json, MemoryOptions.class));
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains(expected), root.getMessage());
    }

    @Test
    void the_factory_is_an_extension_of_type_memory() {
        MemoryCacheFactory f = new MemoryCacheFactory();
        assertEquals("memory", f.type());
        assertEquals(MemoryOptions.class, f.optionsType());
        assertNotNull(MemoryCacheFactory.class.getAnnotation(Extension.class));
        ResponseCache c = f.create(MemoryOptions.defaults(), new CacheContext("support", null, clock, null, null));
        c.put("ns", ask("q"), answer("a"), "t", TTL, STALE).result();
        assertEquals("a", c.get("ns", ask("q"), false).result().response().text());
    }
}
