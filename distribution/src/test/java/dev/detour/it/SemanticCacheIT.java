package dev.detour.it;

import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cache: {type: semantic}} through the real gateway with the model shipped in the plugin
 * (loaded once: the JVM lets one class loader load its native libraries, so this is the one IT
 * that uses it): a paraphrase is answered from the cache, a look-alike that differs in one number
 * or one opposite word is not, and the hit's similarity reaches the metrics. The tokenizer unpacks
 * its native library under {@code $DETOUR_HOME/data}, the directory core hands the plugin.
 */
class SemanticCacheIT {
    static Vertx vertx;
    static FakeUpstream up;
    static Detour gw;
    static Path home;

    @BeforeAll
    static void start() throws IOException {
        home = Files.createTempDirectory("detour-home");
        System.setProperty("detour.home", home.toString());
        vertx = Detour.newVertx();
        up = await(new FakeUpstream(vertx, "up").start());
        // embed_timeout far beyond an embedding: the outcome must not depend on how busy the machine is.
        gw = Harness.start(vertx, """
                defaults:
                  retry: { attempts: 1 }
                  circuit_breaker: { min_calls: 1000 }
                providers:
                  up: { type: openai, base_url: "%s", api_key: sk-up-upstream-1 }
                routes:
                  support:
                    targets: [ { provider: up, model: gpt-4o } ]
                    detectors: []
                    cache: { type: semantic, ttl: 10m, embed_timeout: 30s }
                """.formatted(up.baseUrl()));
    }

    @AfterAll
    static void stop() {
        System.clearProperty("detour.home");
        if (gw != null) {
            await(gw.stop());
        }
        up.close();
    }

    static Reply ask(String question) {
        return Harness.post(vertx, gw.port(), "/v1/chat/completions", "{\"model\":\"support\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"" + question + "\"}]}", Map.of());
    }

    /**
     * Waits until the cache holds {@code n} entries: a store by meaning embeds on a worker after the
     * answer was sent, so the next request could otherwise look up before the entry exists.
     */
    static void awaitEntries(int n) {
        String series = "detour_cache_entries{route=\"support\"}";
        for (int i = 0; i < 6000; i++) {
            String metrics = Harness.get(vertx, gw.port(), "/metrics").body();
            if (metrics.contains(series + " ") && CacheIT.gauge(metrics, series) >= n) {
                return;
            }
        }
        throw new AssertionError("the cache never held " + n + " entries");
    }

    static String text(Reply r) {
        return r.json().path("choices").path(0).path("message").path("content").asText();
    }

    @Test
    void aParaphraseHitsAndALookAlikeNeverDoes() throws IOException {
        up.then(Behaviour.text("Use the pharmacy page for prescription 123."));
        Reply stored = ask("How do I refill prescription 123?");
        assertEquals(200, stored.status(), stored.body());
        assertEquals("miss", stored.header("x-detour-cache"));
        int calls = up.calls();
        awaitEntries(1);

        Reply paraphrase = ask("How can I refill prescription 123?");
        assertEquals("hit", paraphrase.header("x-detour-cache"));
        assertEquals("Use the pharmacy page for prescription 123.", text(paraphrase));
        assertEquals(calls, up.calls());

        up.then(Behaviour.text("Prescription 124 is another one."));
        Reply lookAlike = ask("How do I refill prescription 124?");
        assertEquals("miss", lookAlike.header("x-detour-cache"));
        assertEquals("Prescription 124 is another one.", text(lookAlike));
        awaitEntries(2);

        up.then(Behaviour.text("Settings, then Security, then Enable."));
        assertEquals("miss", ask("How do I enable two-factor authentication?").header("x-detour-cache"));
        awaitEntries(3);
        up.then(Behaviour.text("Settings, then Security, then Disable."));
        Reply opposite = ask("How do I disable two-factor authentication?");
        assertEquals("miss", opposite.header("x-detour-cache"));
        assertEquals("Settings, then Security, then Disable.", text(opposite));
        assertEquals(calls + 3, up.calls());

        String metrics = Harness.get(vertx, gw.port(), "/metrics").body();
        assertTrue(metrics.contains("detour_cache_hits_total{route=\"support\"} 1"), metrics);
        double similarity = CacheIT.gaugeValue(metrics, "detour_cache_hit_similarity_sum{route=\"support\"}");
        assertTrue(similarity >= 0.9 && similarity < 1, "a paraphrase's similarity: " + similarity);
        assertTrue(Files.isDirectory(home.resolve("data")), "the plugin unpacked under $DETOUR_HOME/data");
    }
}
