package dev.detour.plugin.guardrails;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;

import java.util.ArrayList;
import java.util.List;

/**
 * The texts of requests and answers a guardrail judges: every text part of every message and every
 * tool call's arguments (where a model may echo a value or a placeholder). Copies only what a
 * rewrite changed; returns the same object when nothing did.
 */
final class Texts {

    /** Rewrites one text; returns the same instance when it is unchanged. */
    interface Op {
        String apply(String text);
    }

    private Texts() {
    }

    static ChatRequest request(ChatRequest r, Op op) {
        List<Message> out = null;
        List<Message> in = r.messages();
        for (int i = 0; i < in.size(); i++) {
            Message m = in.get(i);
            Message n = message(m, op);
            if (n != m) {
                if (out == null) {
                    out = new ArrayList<>(in);
                }
                out.set(i, n);
            }
        }
        return out == null ? r : r.toBuilder().messages(out).build();
    }

    static EmbeddingRequest embeddings(EmbeddingRequest r, Op op) {
        List<String> out = null;
        List<String> in = r.input();
        for (int i = 0; i < in.size(); i++) {
            String s = in.get(i);
            String t = s == null ? null : op.apply(s);
            if (t != s) {
                if (out == null) {
                    out = new ArrayList<>(in);
                }
                out.set(i, t);
            }
        }
        return out == null ? r
                : new EmbeddingRequest(r.model(), out, r.dimensions(), r.encodingFormat(), r.user(), r.extra());
    }

    static ChatResponse response(ChatResponse r, Op op) {
        List<Choice> out = null;
        List<Choice> in = r.choices();
        for (int i = 0; i < in.size(); i++) {
            Choice c = in.get(i);
            Message n = message(c.message(), op);
            if (n != c.message()) {
                if (out == null) {
                    out = new ArrayList<>(in);
                }
                out.set(i, new Choice(c.index(), n, c.finishReason()));
            }
        }
        return out == null ? r : r.withChoices(out);
    }

    static Message message(Message m, Op op) {
        List<ContentPart> parts = m.content();
        List<ContentPart> newParts = null;
        if (parts != null) {
            for (int i = 0; i < parts.size(); i++) {
                if (parts.get(i) instanceof ContentPart.Text t) {
                    String s = op.apply(t.text());
                    if (s != t.text()) {
                        if (newParts == null) {
                            newParts = new ArrayList<>(parts);
                        }
                        newParts.set(i, new ContentPart.Text(s));
                    }
                }
            }
        }
        List<ToolCall> calls = m.toolCalls();
        List<ToolCall> newCalls = null;
        for (int i = 0; i < calls.size(); i++) {
            ToolCall c = calls.get(i);
            String s = op.apply(c.arguments());
            if (s != c.arguments()) {
                if (newCalls == null) {
                    newCalls = new ArrayList<>(calls);
                }
                newCalls.set(i, new ToolCall(c.id(), c.name(), s));
            }
        }
        if (newParts == null && newCalls == null) {
            return m;
        }
        return new Message(m.role(), newParts != null ? newParts : parts, m.textContent(), m.name(),
                newCalls != null ? newCalls : calls, m.toolCallId(), m.reasoning(), m.refusal());
    }

    /** The characters of every text of a request (what decides whether it is scanned on a worker). */
    static long length(ChatRequest r) {
        long n = 0;
        for (Message m : r.messages()) {
            n += m.text().length();
            for (ToolCall c : m.toolCalls()) {
                n += c.arguments().length();
            }
        }
        return n;
    }

    static long length(EmbeddingRequest r) {
        long n = 0;
        for (String s : r.input()) {
            n += s == null ? 0 : s.length();
        }
        return n;
    }

    static long length(ChatResponse r) {
        long n = 0;
        for (Choice c : r.choices()) {
            n += c.message().text().length();
            for (ToolCall t : c.message().toolCalls()) {
                n += t.arguments().length();
            }
        }
        return n;
    }
}
