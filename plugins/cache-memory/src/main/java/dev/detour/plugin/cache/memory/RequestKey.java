package dev.detour.plugin.cache.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "The same request": a SHA-256 over a canonical serialisation of the parts of a request that
 * change the answer, with the namespace first, so two namespaces never share a key.
 *
 * <p>In the key: the model (the route name), every message (role, name, each content part — text,
 * image URL and detail, any other part's JSON —, tool calls with id, name and arguments, the tool
 * call id, reasoning and refusal), tools (name, description, parameters, strict), {@code tool_choice},
 * {@code parallel_tool_calls}, {@code response_format}, {@code stop}, {@code temperature},
 * {@code top_p}, {@code max_tokens}, {@code max_completion_tokens}, {@code seed}, {@code n}, and every
 * field in {@code extra} (provider-specific parameters change answers too). Not in it: {@code user},
 * {@code stream}, {@code stream_options} ({@code include_usage}), {@code metadata}, and whether a
 * message's content was sent as a string or as one text part (the same text either way).
 *
 * <p>Canonical means: every value is written with a type tag and, for strings and collections, a
 * length, so no two different requests serialise alike (no separator games); JSON objects are
 * written with their keys sorted, and JSON numbers by value ({@code 1}, {@code 1.0} and {@code 1e0}
 * are one number); absent and null are the same.
 */
public final class RequestKey {
    private static final ThreadLocal<Canon> CANON = ThreadLocal.withInitial(Canon::new);

    /** Marks the message left out of a {@link #chatWithout} key. */
    private static final int OMITTED = 0x7E;

    private RequestKey() {
    }

    /** The exact key of a chat request in {@code namespace}. */
    public static CacheKey chat(String namespace, ChatRequest r) {
        return chatWithout(namespace, r, -1);
    }

    /**
     * The key of a chat request with the message at {@code omitted} left out (its place marked, so
     * the same conversation with the omitted message elsewhere is another key); {@code -1} leaves
     * nothing out. The semantic cache groups requests by this key and compares the omitted message
     * by meaning.
     */
    public static CacheKey chatWithout(String namespace, ChatRequest r, int omitted) {
        Canon c = CANON.get().start('C');
        c.str(namespace);
        c.str(r.model());
        List<Message> messages = r.messages();
        c.size(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            if (i == omitted) {
                c.tag(OMITTED);
            } else {
                message(c, messages.get(i));
            }
        }
        c.size(r.tools().size());
        for (Tool t : r.tools()) {
            c.str(t.name());
            c.str(t.description());
            c.json(t.parameters());
            c.bool(t.strict());
        }
        c.json(r.toolChoice());
        c.bool(r.parallelToolCalls());
        c.json(r.responseFormat());
        c.size(r.stop().size());
        for (String s : r.stop()) {
            c.str(s);
        }
        c.num(r.temperature());
        c.num(r.topP());
        c.num(r.maxTokens());
        c.num(r.maxCompletionTokens());
        c.num(r.seed());
        c.num(r.n());
        c.json(r.extra());
        return c.finish();
    }

    /** The exact key of an embeddings request in {@code namespace} (everything but {@code user}). */
    public static CacheKey embeddings(String namespace, EmbeddingRequest r) {
        Canon c = CANON.get().start('E');
        c.str(namespace);
        c.str(r.model());
        c.size(r.input().size());
        for (String s : r.input()) {
            c.str(s);
        }
        c.num(r.dimensions());
        c.str(r.encodingFormat());
        c.json(r.extra());
        return c.finish();
    }

    private static void message(Canon c, Message m) {
        c.tag('M');
        c.str(m.role());
        c.str(m.name());
        if (m.content() == null) {
            c.tag(0);
        } else {
            c.size(m.content().size());
            for (ContentPart p : m.content()) {
                if (p instanceof ContentPart.Text t) {
                    c.tag('t');
                    c.str(t.text());
                } else if (p instanceof ContentPart.Image i) {
                    c.tag('i');
                    c.str(i.url());
                    c.str(i.detail());
                } else if (p instanceof ContentPart.Other o) {
                    c.tag('o');
                    c.str(o.type());
                    c.json(o.raw());
                }
            }
        }
        c.size(m.toolCalls().size());
        for (ToolCall t : m.toolCalls()) {
            c.str(t.id());
            c.str(t.name());
            c.str(t.arguments());
        }
        c.str(m.toolCallId());
        c.str(m.reasoning());
        c.str(m.refusal());
    }

    /** A digest being fed; one per thread, reset by {@link #start}. */
    private static final class Canon {
        private final MessageDigest digest;
        private final byte[] scratch = new byte[9];

        Canon() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every Java platform", e);
            }
        }

        Canon start(char kind) {
            digest.reset();
            tag(kind);
            return this;
        }

        void tag(int t) {
            digest.update((byte) t);
        }

        void size(int n) {
            scratch[0] = 'n';
            scratch[1] = (byte) (n >>> 24);
            scratch[2] = (byte) (n >>> 16);
            scratch[3] = (byte) (n >>> 8);
            scratch[4] = (byte) n;
            digest.update(scratch, 0, 5);
        }

        void str(String s) {
            if (s == null) {
                tag(0);
                return;
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            tag('s');
            size(b.length);
            digest.update(b);
        }

        void bool(Boolean b) {
            tag(b == null ? 0 : b ? 'T' : 'F');
        }

        void num(Number n) {
            if (n == null) {
                tag(0);
                return;
            }
            if (n instanceof Double v) {
                if (v.isNaN() || v.isInfinite()) {
                    str(v.toString());
                } else {
                    decimal(BigDecimal.valueOf(v));
                }
            } else {
                decimal(BigDecimal.valueOf(n.longValue()));
            }
        }

        private void decimal(BigDecimal d) {
            // By value: 1, 1.0 and 1e0 are the same number, and so are 0 and -0.0.
            tag('d');
            String s = d.signum() == 0 ? "0" : d.stripTrailingZeros().toString();
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            size(b.length);
            digest.update(b);
        }

        void json(JsonNode n) {
            if (n == null || n.isNull() || n.isMissingNode()) {
                tag(0);
            } else if (n.isObject()) {
                List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(n.properties());
                fields.sort(Map.Entry.comparingByKey());
                tag('{');
                size(fields.size());
                for (Map.Entry<String, JsonNode> e : fields) {
                    str(e.getKey());
                    json(e.getValue());
                }
            } else if (n.isArray()) {
                tag('[');
                size(n.size());
                for (JsonNode e : n) {
                    json(e);
                }
            } else if (n.isNumber()) {
                decimal(n.decimalValue());
            } else if (n.isBoolean()) {
                tag(n.booleanValue() ? 'T' : 'F');
            } else if (n.isTextual()) {
                str(n.textValue());
            } else {
                str(n.toString());
            }
        }

        CacheKey finish() {
            byte[] h = digest.digest();
            return new CacheKey(longAt(h, 0), longAt(h, 8), longAt(h, 16), longAt(h, 24));
        }

        private static long longAt(byte[] b, int i) {
            long v = 0;
            for (int k = 0; k < 8; k++) {
                v = (v << 8) | (b[i + k] & 0xFF);
            }
            return v;
        }
    }
}
