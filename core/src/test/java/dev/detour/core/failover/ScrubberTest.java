package dev.detour.core.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No configured secret leaves in any byte, in any JSON encoding; clean bytes are not copied. */
class ScrubberTest {
    static final String OPENAI = "sk-proj-Ab3dEf6hIj9kLm2nOp5q";
    static final String OPENAI_EXTENDED = OPENAI + "-extended";
    static final String AWS = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static final String HEX = "e91f2a3b4c5d6e7f8091a2b3c4d5e6f7";
    static final String UNICODE = "clé-😀-secrète";
    static final Set<String> SECRETS = Set.of(OPENAI, OPENAI_EXTENDED, AWS, HEX, UNICODE, "short");
    static final ObjectMapper JSON = new ObjectMapper();

    final Scrubber scrubber = new Scrubber(SECRETS);

    @Test
    void masks_a_secret_as_it_is_anywhere_in_the_bytes() {
        assertEquals("{\"error\":\"bad key [REDACTED]\"}", scrub("{\"error\":\"bad key " + OPENAI + "\"}"));
        assertEquals("[REDACTED]", scrub(OPENAI), "the whole buffer");
        assertEquals("[REDACTED]x", scrub(OPENAI + "x"), "at the start");
        assertEquals("x[REDACTED]", scrub("x" + OPENAI), "at the end");
        assertEquals("ünïcode [REDACTED] ü", scrub("ünïcode " + UNICODE + " ü"));
        assertEquals("{\"id\":\"msg_id-[REDACTED]\"}", scrub("{\"id\":\"msg_id-" + OPENAI + "\"}"));
    }

    @Test
    void masks_a_secret_written_with_json_escapes() {
        assertEquals("{\"id\":\"[REDACTED]\"}", scrub("{\"id\":\"" + escapeAll(OPENAI, false) + "\"}"));
        assertEquals("{\"id\":\"[REDACTED]\"}", scrub("{\"id\":\"" + escapeAll(OPENAI, true) + "\"}"), "upper-case hex");
        assertEquals("a [REDACTED] b", scrub("a " + AWS.replace("/", "\\/") + " b"), "\\/ for /");
        assertEquals("a [REDACTED] b", scrub("a \\u0073k-proj-Ab3dEf6hIj9kLm2n\\u004Fp5q b"), "some characters escaped");
        assertEquals("[REDACTED]", scrub(escapeAll(UNICODE, false)), "outside the BMP as a surrogate pair");
        assertEquals("\"[REDACTED]\"", scrub("\"\\\\u0073" + OPENAI.substring(1) + "\""),
                "escaped twice: JSON inside a JSON string, as tool arguments are");
        assertEquals("\"\\\\[REDACTED]\"", scrub("\"\\\\" + OPENAI + "\""), "after an escaped backslash");
    }

    @Test
    void masks_a_secret_escaped_in_json_inside_json_whatever_each_level_escapes() throws Exception {
        // The arguments' own escapes, their backslashes and letters escaped again by the outer JSON.
        String inner = "{\"q\":\"" + escapeAll(OPENAI, false) + "\"}";
        StringBuilder outer = new StringBuilder();
        for (char c : inner.toCharArray()) {
            outer.append(c == '"' || c == '\\' || c == 'u' ? String.format(Locale.ROOT, "\\u%04X", (int) c) : c);
        }
        String out = scrub("{\"arguments\":\"" + outer + "\"}");
        JsonNode args = JSON.readTree(JSON.readTree(out).path("arguments").asText());
        assertEquals("[REDACTED]", args.path("q").asText(), out);
    }

    @Test
    void keeps_json_valid_when_a_secret_begins_inside_an_escape() throws Exception {
        // é written \u00e9, then the hex key's tail: the raw bytes hold the key from the escape's "e9" on.
        String body = "{\"k\":\"\\u00" + HEX + "\",\"n\":\"\\" + "n" + HEX.substring(1) + "\"}";
        String out = scrub(body);
        assertFalse(out.contains(HEX) && out.contains(HEX.substring(1)), out);
        JsonNode tree = JSON.readTree(out);
        assertEquals("[REDACTED]", tree.path("k").asText());
        assertFalse(tree.toString().contains(HEX), out);
    }

    @Test
    void masks_overlapping_and_nested_secrets_whole() {
        Scrubber s = new Scrubber(Set.of("abcdefgh1234", "gh12345678zz"));
        assertEquals("<[REDACTED]>", new String(s.scrub(bytes("<abcdefgh12345678zz>")), StandardCharsets.UTF_8),
                "two overlapping secrets, one mask");
        assertEquals("<[REDACTED]>", new String(s.scrub(bytes("<abcdefgh1234gh12345678zz>")), StandardCharsets.UTF_8),
                "adjacent secrets, one mask");
        assertEquals("key: [REDACTED].", scrub("key: " + OPENAI_EXTENDED + "."), "a secret containing another");
        assertEquals("key: [REDACTED]-ext.", scrub("key: " + OPENAI + "-ext."));
    }

    @Test
    void returns_the_same_instance_when_nothing_matched() {
        byte[] clean = bytes("{\"content\":\"sk-proj-Ab3dEf6hIj9kLm2nOp5 is not a key; \\n \\u00e9 \\\\ s\"}");
        assertSame(clean, scrubber.scrub(clean));
        Buffer buffer = Buffer.buffer(clean);
        assertSame(buffer, scrubber.scrub(buffer));
        String text = "nothing to hide";
        assertSame(text, scrubber.scrub(text));
        assertEquals("x short x", scrub("x short x"), "values shorter than MIN_LENGTH are no secrets");
        byte[] empty = new byte[0];
        assertSame(empty, scrubber.scrub(empty));
        assertSame(clean, new Scrubber(Set.of()).scrub(clean));
    }

    @Test
    void scrubs_a_buffer_that_is_a_slice_of_a_larger_one() {
        Buffer whole = Buffer.buffer("xxxx" + OPENAI + " tail" + OPENAI);
        Buffer slice = whole.slice(4, whole.length() - OPENAI.length());
        Buffer out = scrubber.scrub(slice);
        assertNotSame(slice, out);
        assertEquals("[REDACTED] tail", out.toString());
        Buffer cleanSlice = whole.slice(whole.length() - OPENAI.length() - 5, whole.length() - OPENAI.length());
        assertSame(cleanSlice, scrubber.scrub(cleanSlice));
    }

    @Test
    void scrubs_text_for_logs_in_either_form() {
        assertEquals("bad key [REDACTED]", scrubber.scrub("bad key " + OPENAI));
        assertEquals("bad key [REDACTED]", scrubber.scrub("bad key " + escapeAll(OPENAI, true)));
    }

    /**
     * Property, seeded: random JSON documents whose strings embed secrets in random encodings. The
     * output is valid JSON; no secret is in its bytes, in those bytes decoded, nor in its decoded
     * strings decoded once more; what is left around each mask is the original text; and a
     * document without a secret comes back as the same array.
     */
    @Test
    void no_secret_survives_in_random_json_and_the_rest_is_kept() throws Exception {
        long seed = Long.getLong("scrubber.seed", 20240611L);
        Random random = new Random(seed);
        List<String> secrets = List.copyOf(new java.util.TreeSet<>(SECRETS));
        for (int n = 0; n < 3000; n++) {
            StringBuilder doc = new StringBuilder("{");
            List<String> expected = new ArrayList<>();
            int fields = 1 + random.nextInt(4);
            int embedded = 0;
            for (int f = 0; f < fields; f++) {
                doc.append(f > 0 ? "," : "").append("\"f").append(f).append("\":\"");
                StringBuilder want = new StringBuilder();
                for (int p = 1 + random.nextInt(4); p > 0; p--) {
                    boolean secret = random.nextInt(3) == 0;
                    String text = secret ? secrets.get(random.nextInt(secrets.size())) : randomText(random);
                    if (secret && text.length() >= Scrubber.MIN_LENGTH) {
                        // At times written in a JSON string inside the JSON (as tool arguments are).
                        doc.append(random.nextInt(4) == 0 ? encode(encode(text, random), random) : encode(text, random));
                        want.append(Scrubber.MASK);
                        embedded++;
                    } else {
                        if (random.nextBoolean()) {
                            String quoted = JSON.writeValueAsString(text);
                            doc.append(quoted, 1, quoted.length() - 1);
                        } else {
                            doc.append(encode(text, random));
                        }
                        want.append(text);
                    }
                }
                doc.append('"');
                expected.add(want.toString());
            }
            doc.append('}');
            String context = "seed " + seed + " (-Dscrubber.seed), document " + n + ": " + doc;
            byte[] in = bytes(doc.toString());
            byte[] out = scrubber.scrub(in);
            String raw = new String(out, StandardCharsets.UTF_8);
            JsonNode tree = JSON.readTree(out);
            for (String secret : secrets) {
                if (secret.length() >= Scrubber.MIN_LENGTH) {
                    assertFalse(raw.contains(secret) || unescape(raw).contains(secret), context + " -> " + raw);
                    for (JsonNode value : tree) {
                        assertFalse(value.asText().contains(secret) || unescape(value.asText()).contains(secret),
                                context + " -> " + raw);
                    }
                }
            }
            for (int f = 0; f < fields; f++) {
                for (String piece : tree.path("f" + f).asText().split("\\[REDACTED]", -1)) {
                    assertTrue(expected.get(f).contains(piece), context + " -> " + raw + ": kept " + piece);
                }
            }
            if (embedded == 0 && !raw.contains(Scrubber.MASK)) {
                assertSame(in, out, context);
            }
            assertEquals(embedded > 0, raw.contains(Scrubber.MASK) || expected.toString().contains(Scrubber.MASK),
                    context);
        }
    }

    // ------------------------------------------------------------------ helpers

    private String scrub(String s) {
        return new String(scrubber.scrub(bytes(s)), StandardCharsets.UTF_8);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String escapeAll(String s, boolean upper) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            String hex = String.format(Locale.ROOT, "\\u%04x", (int) c);
            b.append(upper ? hex.toUpperCase(Locale.ROOT).replace("\\U", "\\u") : hex);
        }
        return b.toString();
    }

    /**
     * {@code s} as a JSON string's content, each character in a randomly chosen valid form (those
     * that must be escaped always as <code>&#92;uXXXX</code>).
     */
    static String encode(String s, Random random) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length();
            int form = c == '"' || c == '\\' ? random.nextInt(3) : c < 0x20 ? random.nextInt(2) : random.nextInt(4);
            switch (form) {
                case 0 -> b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                case 1 -> b.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                case 2 -> b.append(c == '/' || c == '"' || c == '\\' ? "\\" + c : String.valueOf(c));
                default -> b.append(c);
            }
            if (pair) {
                char low = s.charAt(++i);
                b.append(random.nextBoolean() ? String.format(Locale.ROOT, "\\u%04x", (int) low) : String.valueOf(low));
            }
        }
        String out = b.toString();
        // A surrogate pair half escaped and half literal is not valid JSON text: write such a pair escaped.
        return out.codePoints().anyMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF) ? escapeAll(s, false) : out;
    }

    static String randomText(Random random) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz sk-proj/\\\"\n\té😀e9ABCDEF0123456789";
        int n = random.nextInt(24);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp = alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0,
                    alphabet.length()))));
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    /** Decodes the JSON escapes in {@code s} once (a client that parses a string again, as tool arguments). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char x = s.charAt(++i);
            if (x == 'u' && i + 4 < s.length() && s.substring(i + 1, i + 5).matches("[0-9a-fA-F]{4}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                i += 4;
            } else {
                b.append(switch (x) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> x;
                });
            }
        }
        return b.toString();
    }
}
