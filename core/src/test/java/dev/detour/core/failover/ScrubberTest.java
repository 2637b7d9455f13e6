package dev.detour.core.failover;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secrets never leave in text an upstream sent back. */
class ScrubberTest {
    final Scrubber scrubber = new Scrubber(Set.of("sk-live-123456", "sk-live-123456-extended", "abc"));

    @Test
    void finds_a_secret_anywhere_in_raw_bytes() {
        assertTrue(scrubber.containsSecret(bytes("{\"error\":\"bad key sk-live-123456\"}")));
        assertTrue(scrubber.containsSecret(bytes("sk-live-123456")));
        assertTrue(scrubber.containsSecret(bytes("ünïcode sk-live-123456-extended")));
        assertFalse(scrubber.containsSecret(bytes("{\"content\":\"sk-live-12345\"}")));
        assertFalse(scrubber.containsSecret(bytes("")));
        assertFalse(scrubber.containsSecret(bytes("abc")), "secrets shorter than 4 characters are ignored");
    }

    @Test
    void masks_the_longest_secret_whole() {
        assertEquals("key: " + Scrubber.MASK, scrubber.scrub("key: sk-live-123456-extended"));
        String clean = "nothing to hide";
        assertSame(clean, scrubber.scrub(clean));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
