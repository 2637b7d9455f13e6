package dev.detour.core.failover;

import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.core.health.TargetRuntime;

import java.util.List;

/**
 * Mid-stream resume ({@code stream.resume: true}), for one streamed request: what its committed
 * stream has sent the client, whether a cut there can be continued on another target, the request
 * that asks that target to continue it, and the continuation's chunks as the client gets them.
 *
 * <p>A cut can be continued while the client has nothing the continuation could contradict or
 * duplicate in structure: no tool call has started (a half-sent call cannot be finished by another
 * model), the answer has not ended, it is one choice, and its text is at most {@link #MAX_CHARS}
 * (it travels again, as the prefix the next target continues). The next target gets the request
 * as it would anyway, continued by its adapter's own mechanism
 * ({@link ProviderAdapter#continuation}: an Anthropic prefill, or the answer so far and an
 * instruction to continue it). Its chunks reach the client as part of the same stream: with the
 * first commit's id and creation time, without a second role, and without what the client already
 * has at the join (the whitespace it ends with, or its last words when the continuation starts by
 * repeating them). Not thread-safe: the engine's event loop only.
 */
final class Resume {
    /** The most answer text a stream may have sent and still be resumed: it is sent again as the prefix. */
    static final int MAX_CHARS = 256 * 1024;
    /**
     * How much of a continuation's text is held at the join to find where it repeats the end of
     * what the client has (a model told to continue sometimes starts again a few words back).
     */
    static final int JOIN_CHARS = 64;
    /** The shortest repeat that is dropped: shorter matches (" the ") are as likely chance as repetition. */
    static final int MIN_REPEAT = 10;

    /** The answer text the client has been sent, across every target that served it. */
    private final StringBuilder sent = new StringBuilder();
    private boolean toolCall;
    private boolean finished;
    private boolean otherChoice;
    private boolean started;
    private String id;
    private long created;
    /** The cut waiting for a target to continue it, or null. */
    private TargetRuntime cutFrom;
    private String cutReason;
    private long cutAt;
    /** Whether a target has continued the stream (its chunks are joined to the first ones). */
    private boolean continuing;
    /** The client's text ends in whitespace: the continuation's leading whitespace is dropped until its first text. */
    private boolean trimLeading;
    /** The continuation's text held at the join, while it is shorter than {@link #JOIN_CHARS}; else null. */
    private StringBuilder join;
    /** The last chunk held at the join (its model and choice go with the text when it is let go). */
    private ChatChunk joinChunk;

    /** A chunk went to the client. */
    void sent(ChatChunk c) {
        if (!started) {
            started = true;
            id = c.id();
            created = c.created();
        }
        if (c.index() != 0) {
            otherChoice = true;
        }
        if (!c.toolCalls().isEmpty()) {
            toolCall = true;
        }
        if (c.finishReason() != null) {
            finished = true;
        }
        if (c.text() != null && sent.length() <= MAX_CHARS) {
            sent.append(c.text());
        }
    }

    /**
     * Why the stream cannot be continued after {@code e} cut it, or null when it can.
     *
     * @param request the client's request (its choice count)
     */
    String refusal(ChatRequest request, ProviderException e) {
        if (toolCall) {
            return "a tool call had started";
        }
        if (finished) {
            return "the answer had ended";
        }
        if (otherChoice || (request.n() != null && request.n() > 1)) {
            return "the stream has several choices";
        }
        if (sent.length() > MAX_CHARS) {
            return "more than " + MAX_CHARS + " characters had been sent";
        }
        return null;
    }

    /** The stream from {@code from} was cut by {@code e}: the next target to commit continues it. */
    void cut(TargetRuntime from, ProviderException e) {
        cutFrom = from;
        cutReason = e.kind().configName();
        cutAt = sent.length();
    }

    /** Whether a cut waits for a target to continue it. */
    boolean pending() {
        return cutFrom != null;
    }

    /** The request that asks {@code adapter}'s target to continue the answer the client has. */
    ChatRequest continuation(ChatRequest request, ProviderAdapter adapter) {
        return adapter.continuation(request, sent.toString());
    }

    /** A target has taken the stream over: the resume it made. */
    Resumption committed(TargetRuntime to) {
        Resumption r = new Resumption(cutFrom.id(), to.id(), cutAt, cutReason);
        cutFrom = null;
        continuing = true;
        trimLeading = sent.length() > 0 && Character.isWhitespace(sent.charAt(sent.length() - 1));
        join = sent.length() >= MIN_REPEAT ? new StringBuilder() : null;
        return r;
    }

    /**
     * A chunk of the current target as the client gets it: unchanged before any resume; after one,
     * part of the first stream (its id and creation time, no role again, no whitespace twice at the
     * join), or null when nothing of it is to be sent now. The continuation's first
     * {@link #JOIN_CHARS} characters of text are held (until then, or until a chunk with anything
     * but text) and go out without the end of the client's text they repeat, if they start with it.
     */
    ChatChunk continued(ChatChunk c) {
        if (!continuing) {
            return c;
        }
        String text = c.text();
        if (trimLeading && text != null) {
            text = text.stripLeading();
            if (text.isEmpty()) {
                text = null;
            } else {
                trimLeading = false;
            }
        }
        if (join != null) {
            if (text != null) {
                join.append(text);
            }
            joinChunk = c;
            boolean textOnly = c.toolCalls().isEmpty() && c.finishReason() == null && c.usage() == null
                    && (c.reasoning() == null || c.reasoning().isEmpty()) && (c.refusal() == null || c.refusal().isEmpty());
            if (textOnly && join.length() < JOIN_CHARS) {
                return null;
            }
            text = joined();
        }
        return joined(c, text);
    }

    /** What is still held at the join when the current target's stream ends or breaks, or null. */
    ChatChunk drain() {
        if (join == null || joinChunk == null) {
            return null;
        }
        ChatChunk last = joinChunk;
        String text = joined();
        return text == null ? null : new ChatChunk(id, last.model(), created, last.index(), null, text, null, List.of(),
                null, null, null);
    }

    private ChatChunk joined(ChatChunk c, String text) {
        ChatChunk out = new ChatChunk(id, c.model(), created, c.index(), null, text, c.reasoning(), c.toolCalls(),
                c.finishReason(), c.usage(), c.refusal());
        return out.hasContent() || out.finishReason() != null || out.usage() != null ? out : null;
    }

    /**
     * The text held at the join without its longest start (of at least {@link #MIN_REPEAT}
     * characters) that is also the end of what the client has; null when none is left. Ends the join.
     */
    private String joined() {
        String head = join.toString();
        join = null;
        joinChunk = null;
        int n = sent.length();
        for (int k = Math.min(head.length(), n); k >= MIN_REPEAT; k--) {
            if (sent.indexOf(head.substring(0, k), n - k) == n - k) {
                head = head.substring(k);
                break;
            }
        }
        return head.isEmpty() ? null : head;
    }
}
