package dev.detour.core.guard;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.WireBody;
import dev.detour.api.view.TargetView;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One request's guardrail checks ({@link RouteGuards#open}), and what they decided: the request
 * after its input guardrails, the targets they still allow, what changed (for
 * {@code x-detour-guardrails}), and the judging of each attempt's answer, whole or streamed.
 *
 * <p>Verdicts are applied in the configured order, each guardrail seeing what the one before let
 * through. A guardrail that fails (its future fails, or it throws) fails closed: the request is
 * not served with what it was meant to judge. Neither a denial nor a failure ever carries the
 * judged text: messages name the guardrail and its reason only.
 *
 * <p>Not thread-safe: one request's event loop only.
 */
public final class RequestGuard {
    /** The error code of a denial ({@code guardrail_denied}), and the provider code that marks an attempt refused by one. */
    public static final String DENIED = "guardrail_denied";
    /** The error code of a guardrail that failed to judge. */
    public static final String FAILED = "guardrail_error";

    /** A request refused before routing: the client gets 400 {@link #DENIED} (or 500 {@link #FAILED}) with this message. */
    public static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean denied;

        Refusal(boolean denied, String message) {
            super(message, null, false, false);
            this.denied = denied;
        }

        /** 400 for a denial, 500 for a guardrail that failed. */
        public int status() {
            return denied ? 400 : 500;
        }

        /** {@code invalid_request_error} or {@code gateway_error}. */
        public String type() {
            return denied ? "invalid_request_error" : "gateway_error";
        }

        /** {@link #DENIED} or {@link #FAILED}. */
        public String code() {
            return denied ? DENIED : FAILED;
        }
    }

    private record Narrowing(String type, Predicate<TargetView> allowed, String reason) {
    }

    final RouteGuards.Configured[] configured;
    final GuardrailCheck[] checks;
    /** What changed the request or an answer, as {@code type:reason}, in order; null while nothing did. */
    private List<String> changes;
    private List<Narrowing> narrowing;
    private boolean rewrote;

    RequestGuard(RouteGuards.Configured[] configured, GuardrailCheck[] checks) {
        this.configured = configured;
        this.checks = checks;
    }

    // ---- input -------------------------------------------------------------------------------

    /**
     * Runs the input guardrails on a chat request: the request to route (the original, or what
     * the guardrails replaced it with), or a failed future with a {@link Refusal}.
     */
    public Future<ChatRequest> input(ChatRequest request) {
        return input(0, request, GuardrailCheck::input);
    }

    /** Runs the input guardrails on an embeddings request, as {@link #input(ChatRequest)}. */
    public Future<EmbeddingRequest> input(EmbeddingRequest request) {
        return input(0, request, GuardrailCheck::input);
    }

    private <Q> Future<Q> input(int from, Q request, BiFunction<GuardrailCheck, Q, Future<GuardrailVerdict<Q>>> judge) {
        Q q = request;
        for (int i = from; i < checks.length; i++) {
            if (!configured[i].input()) {
                continue;
            }
            Future<GuardrailVerdict<Q>> f = call(i, judge, q);
            if (!f.isComplete()) {
                int at = i;
                Q current = q;
                return f.transform(ar -> {
                    try {
                        return input(at + 1, applyInput(at, ar.succeeded() ? ar.result() : null, ar.cause(), current),
                                judge);
                    } catch (Refusal r) {
                        return Future.failedFuture(r);
                    }
                });
            }
            try {
                q = applyInput(i, f.succeeded() ? f.result() : null, f.cause(), q);
            } catch (Refusal r) {
                return Future.failedFuture(r);
            }
        }
        return Future.succeededFuture(q);
    }

    private <X, V> Future<GuardrailVerdict<V>> call(int i, BiFunction<GuardrailCheck, X, Future<GuardrailVerdict<V>>> judge,
                                                    X thing) {
        try {
            Future<GuardrailVerdict<V>> f = judge.apply(checks[i], thing);
            return f == null ? Future.failedFuture(new IllegalStateException("no verdict")) : f;
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private <Q> Q applyInput(int i, GuardrailVerdict<Q> v, Throwable failure, Q q) {
        String type = configured[i].type();
        if (v == null) {
            throw new Refusal(false, failedMessage(type, "request", failure));
        }
        if (!v.allowed()) {
            throw new Refusal(true, "guardrail '" + type + "' denied the request: " + v.reason());
        }
        if (v.targets() != null) {
            if (narrowing == null) {
                narrowing = new ArrayList<>(1);
            }
            narrowing.add(new Narrowing(type, v.targets(), v.reason()));
            changed(type, v.reason() == null ? "narrowed" : v.reason());
        }
        if (v.replacement() != null && v.replacement() != q) {
            rewrote = true;
            changed(type, v.reason() == null ? "replaced" : v.reason());
            return v.replacement();
        }
        return q;
    }

    /** A failure's message: the guardrail and the failure's type, never its message (it may quote the text). */
    private static String failedMessage(String type, String what, Throwable failure) {
        return "guardrail '" + type + "' failed to judge the " + what
                + (failure == null ? "" : " (" + failure.getClass().getSimpleName() + ")");
    }

    private void changed(String type, String reason) {
        if (changes == null) {
            changes = new ArrayList<>(2);
        }
        String c = headerSafe(reason.startsWith(type + ":") ? reason : type + ":" + reason);
        if (!changes.contains(c)) {
            changes.add(c);
        }
    }

    /** A plugin's reason as a header value may carry it: printable ASCII only. */
    private static String headerSafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch > 0x7e) {
                StringBuilder sb = new StringBuilder(s.length());
                for (int j = 0; j < s.length(); j++) {
                    char x = s.charAt(j);
                    sb.append(x < 0x20 || x > 0x7e ? '?' : x);
                }
                return sb.toString();
            }
        }
        return s;
    }

    /**
     * Whether an input guardrail replaced the request: then the client's body no longer says what
     * the request says, and must not be forwarded as it is.
     */
    public boolean rewrote() {
        return rewrote;
    }

    /**
     * The client's body as the attempts may forward it: {@code inbound} itself, or null once an
     * input guardrail replaced the request (the body still holds what the guardrail took out).
     */
    public static WireBody inbound(RequestGuard guard, WireBody inbound) {
        return guard != null && guard.rewrote ? null : inbound;
    }

    /**
     * Whether no guardrail changed anything of this request or its answer (or there are none): only
     * then may the answer be cached, since a guardrail's change (a redaction, a restore of one
     * client's values) belongs to this request alone.
     */
    public static boolean unchanged(RequestGuard guard) {
        return guard == null || guard.changes == null;
    }

    /** The value of {@code x-detour-guardrails}: what changed so far, or null when nothing did. */
    public String header() {
        return changes == null ? null : String.join(", ", changes);
    }

    // ---- targets -----------------------------------------------------------------------------

    /**
     * Why the input guardrails do not let {@code target} serve this request, or null when they do.
     * This only ever removes targets: the envelope and the route are applied before it.
     */
    public String refusal(TargetView target) {
        if (narrowing == null) {
            return null;
        }
        for (Narrowing n : narrowing) {
            boolean ok;
            try {
                ok = n.allowed().test(target);
            } catch (RuntimeException e) {
                ok = false;
            }
            if (!ok) {
                return "not allowed by guardrail '" + n.type() + "'" + (n.reason() == null ? "" : " (" + n.reason() + ")");
            }
        }
        return null;
    }

    // ---- output ------------------------------------------------------------------------------

    /** Whether the failure of an attempt is a guardrail's refusal of its answer. */
    public static boolean refused(ProviderException e) {
        return DENIED.equals(e.providerCode());
    }

    /**
     * Watches one streamed attempt's chunks ({@code down} is where they go next), or returns
     * {@code down} itself when no output guardrail looks at streams. The watch is closed when its
     * attempt ends ({@link #judge}): the checks see each choice of the next attempt's answer from
     * its start.
     *
     * @param fail  fails the attempt: before the stream is committed that is a failed attempt like
     *              any other, after it the stream ends with a {@code guardrail_denied} error event
     * @param alive told when a chunk arrived but all of its text is held back (nothing went on)
     */
    public ChunkSink watch(ChunkSink down, Consumer<ProviderException> fail, Runnable alive) {
        List<Integer> stages = streamStages();
        if (stages.isEmpty()) {
            return down;
        }
        return new StreamWatch(this, stages, down, fail, alive);
    }

    /**
     * Whether an output guardrail looks at streamed text: a check keeps one stream state per
     * choice, so two attempts streaming at once (a hedge) would mix theirs; such streams are not hedged.
     */
    public boolean watchesStreams() {
        return !streamStages().isEmpty();
    }

    private List<Integer> streamStages() {
        List<Integer> stages = new ArrayList<>(checks.length);
        for (int i = 0; i < checks.length; i++) {
            if (configured[i].output() && window(i) >= 0) {
                stages.add(i);
            }
        }
        return stages;
    }

    /** A check's stream window, or -1 when it does not look at streams (or fails to say). */
    int window(int i) {
        try {
            return checks[i].streamWindow();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * The attempt's outcome after the output guardrails: a whole answer judged (and perhaps
     * replaced), a stream's held-back text judged at its end and sent. A denied whole answer fails
     * with a client error ({@link #DENIED}, returned to the client as 400, no fallback), a
     * {@link GuardrailVerdict.Action#FALL_BACK} with a failure that moves on to the next target.
     * A stream's watch is closed when its attempt is cancelled or fails.
     *
     * @param sink the attempt's sink as {@link #watch} returned it (null when not streamed)
     * @param call the attempt: its answer's upstream bytes are withdrawn when a guardrail changed the answer
     */
    @SuppressWarnings("unchecked")
    public <T> Future<T> judge(Future<T> upstream, ChunkSink sink, Call call) {
        if (sink instanceof StreamWatch w) {
            call.onCancel(e -> w.abandon());
            return upstream.transform(ar -> {
                if (ar.failed()) {
                    w.abandon();
                    return Future.failedFuture(ar.cause());
                }
                return w.end().map(ar.result());
            });
        }
        boolean any = false;
        for (RouteGuards.Configured c : configured) {
            any |= c.output();
        }
        if (!any) {
            return upstream;
        }
        return upstream.compose(v -> v instanceof ChatResponse r ? (Future<T>) output(0, r, null).map(out -> {
            if (out != r) {
                // The upstream's bytes say what the answer said before a guardrail changed it.
                call.answerWire(null);
            }
            return out;
        }) : Future.succeededFuture(v));
    }

    private Future<ChatResponse> output(int from, ChatResponse response, List<String> changed) {
        ChatResponse r = response;
        List<String> ch = changed;
        for (int i = from; i < checks.length; i++) {
            if (!configured[i].output()) {
                continue;
            }
            Future<GuardrailVerdict<ChatResponse>> f = call(i, GuardrailCheck::output, r);
            if (!f.isComplete()) {
                int at = i;
                ChatResponse current = r;
                List<String> c = ch;
                return f.transform(ar -> {
                    List<String> c2 = c == null ? new ArrayList<>(1) : c;
                    try {
                        return output(at + 1, applyOutput(at, ar.succeeded() ? ar.result() : null, ar.cause(),
                                current, c2), c2);
                    } catch (ProviderException e) {
                        return Future.failedFuture(e);
                    }
                });
            }
            if (ch == null) {
                ch = new ArrayList<>(1);
            }
            try {
                r = applyOutput(i, f.succeeded() ? f.result() : null, f.cause(), r, ch);
            } catch (ProviderException e) {
                return Future.failedFuture(e);
            }
        }
        // Only an answer that is served says what changed it.
        if (ch != null) {
            for (String c : ch) {
                changed(c.substring(0, c.indexOf(':')), c);
            }
        }
        return Future.succeededFuture(r);
    }

    private ChatResponse applyOutput(int i, GuardrailVerdict<ChatResponse> v, Throwable failure, ChatResponse r,
                                     List<String> changed) {
        String type = configured[i].type();
        if (v == null) {
            throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, failedMessage(type, "answer", failure), null,
                    DENIED);
        }
        switch (v.action()) {
            case DENY -> throw denied(type, v.reason());
            case FALL_BACK -> throw fellBack(type, v.reason());
            default -> {
                if (v.replacement() != null && v.replacement() != r) {
                    String reason = v.reason() == null ? "replaced" : v.reason();
                    changed.add(reason.startsWith(type + ":") ? reason : type + ":" + reason);
                    return v.replacement();
                }
                return r;
            }
        }
    }

    /** A whole answer denied: returned to the client as 400 {@code guardrail_denied}, no other target tried. */
    static ProviderException denied(String type, String reason) {
        return new ProviderException(ErrorKind.INVALID_REQUEST, 0, "guardrail '" + type + "' denied the answer: "
                + reason, null, DENIED);
    }

    /**
     * Streamed text refused: before the stream is committed a failed attempt (degraded: the next
     * target is tried), after it the end of the stream with a {@code guardrail_denied} error event.
     */
    static ProviderException refusedStream(String message) {
        return new ProviderException(ErrorKind.DEGRADED, 200, message, null, DENIED);
    }

    /** A streamed answer's text was changed by a guardrail. */
    void noteStreamChange(String type, String reason) {
        changed(type, reason);
    }

    /**
     * An answer refused as a failed attempt: degraded, so the next target is tried whatever
     * {@code fallback_on} says, and it counts against the target like a failed quality gate.
     */
    static ProviderException fellBack(String type, String reason) {
        return new ProviderException(ErrorKind.DEGRADED, 200, "guardrail '" + type + "' refused the answer: "
                + reason, null, DENIED);
    }
}
