package dev.detour.core.guard;

import dev.detour.api.ProviderException;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.WireBody;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One streamed attempt's text on its way through the output guardrails that look at streams
 * ({@link GuardrailCheck#streamWindow()} ≥ 0), in order, before the engine's stream gate.
 *
 * <p>Each guardrail is a stage with its own held-back text per choice: it is shown what it held
 * plus what just arrived ({@link GuardrailCheck#outputText}), and of what it lets through (or
 * replaces it with) all but its last {@code streamWindow()} characters go on to the next stage,
 * and from the last to the client; the rest waits for more text or the choice's end. So a match
 * split across any chunk boundary is still whole in front of the guardrail, and no more than the
 * windows are ever held back. A chunk's other parts (role, tool calls, usage) are not held: they
 * go on with whatever text it still carries, in order.
 *
 * <p>Verdicts usually arrive at once; one that does not holds the chunks after it in order until
 * it does. A denial (or a fall back, or a guardrail failing) fails the attempt; nothing after it
 * goes on.
 */
final class StreamWatch implements ChunkSink {
    private final RequestGuard guard;
    private final int[] stages;
    private final int[] windows;
    private final ChunkSink down;
    private final Consumer<ProviderException> fail;
    private final Runnable alive;
    /** Per choice: what each stage holds back (index = stage). */
    private final Map<Integer, String[]> held = new HashMap<>(2);
    /** Chunks waiting behind a verdict that has not arrived, or null. */
    private ArrayDeque<Step> queue;
    private boolean busy;
    private boolean dead;
    private boolean ending;
    private Promise<Void> ended;
    /** The last chunk with text: its id, model and created go on the chunk that flushes a choice at the end. */
    private ChatChunk last;

    /** One chunk (or a choice's end) going through the stages. */
    private static final class Step {
        final ChatChunk chunk;
        /** The upstream event of {@link #chunk}, passed on with it only if the chunk goes on unchanged. */
        WireBody wire;
        final int choice;
        final boolean end;
        String text;
        int stage;

        Step(ChatChunk chunk, int choice, String text, boolean end) {
            this.chunk = chunk;
            this.choice = choice;
            this.text = text;
            this.end = end;
        }
    }

    StreamWatch(RequestGuard guard, List<Integer> stages, ChunkSink down, Consumer<ProviderException> fail,
                Runnable alive) {
        this.alive = alive;
        this.guard = guard;
        this.stages = new int[stages.size()];
        this.windows = new int[stages.size()];
        for (int s = 0; s < this.stages.length; s++) {
            this.stages[s] = stages.get(s);
            this.windows[s] = Math.max(0, guard.window(this.stages[s]));
        }
        this.down = down;
        this.fail = fail;
    }

    @Override
    public void next(ChatChunk chunk) {
        next(chunk, null);
    }

    @Override
    public void next(ChatChunk chunk, WireBody wire) {
        if (dead || ending) {
            return;
        }
        String text = chunk.text();
        boolean end = chunk.finishReason() != null;
        Step step;
        if ((text == null || text.isEmpty()) && !(end && held.containsKey(chunk.index()))) {
            step = new Step(chunk, chunk.index(), null, false);
            step.stage = stages.length; // nothing to judge: it only keeps its place in line
        } else {
            step = new Step(chunk, chunk.index(), text == null ? "" : text, end);
            last = chunk;
        }
        step.wire = wire;
        submit(step);
    }

    /**
     * The attempt's stream has ended: each choice still open is judged at its end and its
     * held-back text goes out. Completes when all has gone on, or fails when a guardrail refused.
     */
    Future<Void> end() {
        if (dead) {
            return Future.failedFuture(new IllegalStateException("the stream was refused by a guardrail"));
        }
        ending = true;
        ended = Promise.promise();
        for (Integer choice : List.copyOf(held.keySet())) {
            submit(new Step(null, choice, "", true));
        }
        settle();
        return ended.future();
    }

    /**
     * The attempt was given up before its end (cancelled, failed, or refused): each check is told
     * the choices it holds text of ended, so a check's state for this attempt's answer does not
     * carry over into the next attempt's. The verdicts go nowhere. Idempotent.
     */
    void abandon() {
        if (dead || ending && held.isEmpty()) {
            return;
        }
        dead = true;
        queue = null;
        for (Map.Entry<Integer, String[]> e : held.entrySet()) {
            for (int s = 0; s < stages.length; s++) {
                String h = e.getValue()[s];
                if (h != null) {
                    try {
                        guard.checks[stages[s]].outputText(e.getKey(), h, true);
                    } catch (RuntimeException ignored) {
                        // its answer is discarded anyway
                    }
                }
            }
        }
        held.clear();
        settle();
    }

    private void submit(Step step) {
        if (busy) {
            if (queue == null) {
                queue = new ArrayDeque<>();
            }
            queue.add(step);
            return;
        }
        run(step);
        while (!busy && !dead && queue != null && !queue.isEmpty()) {
            run(queue.poll());
        }
        settle();
    }

    /** Takes a step through its remaining stages; returns early (busy) when a verdict is not in yet. */
    private void run(Step step) {
        for (; step.stage < stages.length; step.stage++) {
            int s = step.stage;
            String[] h = held.computeIfAbsent(step.choice, k -> new String[stages.length]);
            String before = h[s];
            if (!step.end && step.text.isEmpty()) {
                continue; // nothing new for this stage
            }
            if (before == null && step.end && step.text.isEmpty()) {
                continue; // this stage never saw the choice: nothing to end
            }
            String pending = before == null || before.isEmpty() ? step.text : before + step.text;
            int i = stages[s];
            Future<GuardrailVerdict<String>> f;
            try {
                f = guard.checks[i].outputText(step.choice, pending, step.end);
                if (f == null) {
                    f = Future.failedFuture(new IllegalStateException("no verdict"));
                }
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            if (!f.isComplete()) {
                busy = true;
                f.onComplete(ar -> {
                    busy = false;
                    if (dead) {
                        return;
                    }
                    if (apply(step, s, pending, ar.succeeded() ? ar.result() : null, ar.cause())) {
                        step.stage++;
                        run(step);
                    }
                    while (!busy && !dead && queue != null && !queue.isEmpty()) {
                        run(queue.poll());
                    }
                    settle();
                });
                return;
            }
            if (!apply(step, s, pending, f.succeeded() ? f.result() : null, f.cause())) {
                return;
            }
        }
        emit(step);
    }

    /** Applies one stage's verdict to the step; false when it refused (the attempt is failed). */
    private boolean apply(Step step, int s, String pending, GuardrailVerdict<String> v, Throwable failure) {
        String type = guard.configured[stages[s]].type();
        if (v == null || !v.allowed()) {
            abandon();
            String why = v == null ? "failed to judge the answer"
                    + (failure == null ? "" : " (" + failure.getClass().getSimpleName() + ")")
                    : "denied the answer: " + v.reason();
            fail.accept(RequestGuard.refusedStream("guardrail '" + type + "' " + why));
            return false;
        }
        String out = v.replacement() != null ? v.replacement() : pending;
        if (v.replacement() != null && !v.replacement().equals(pending) && v.reason() != null) {
            guard.noteStreamChange(type, v.reason());
        }
        String[] h = held.get(step.choice);
        if (step.end) {
            h[s] = null;
            step.text = out;
        } else {
            int keep = Math.min(windows[s], out.length());
            h[s] = out.substring(out.length() - keep);
            step.text = out.substring(0, out.length() - keep);
        }
        return true;
    }

    /** Passes a step's chunk on, with the text the stages let through. */
    private void emit(Step step) {
        if (step.end) {
            String[] h = held.get(step.choice);
            boolean open = false;
            if (h != null) {
                for (String x : h) {
                    open |= x != null;
                }
                if (!open) {
                    held.remove(step.choice);
                }
            }
        }
        ChatChunk c = step.chunk;
        String text = step.text;
        if (c == null) {
            // A choice flushed at the stream's end.
            if (text != null && !text.isEmpty()) {
                ChatChunk l = last;
                down.next(new ChatChunk(l.id(), l.model(), l.created(), step.choice, null, text, null, List.of(),
                        null, null, null));
            }
            return;
        }
        if (text == null || text.equals(c.text())) {
            // Unchanged: the very chunk the adapter delivered, with its upstream bytes.
            if (step.wire != null) {
                down.next(c, step.wire);
            } else {
                down.next(c);
            }
            return;
        }
        String t = text.isEmpty() ? null : text;
        if (t == null && c.role() == null && c.reasoning() == null && c.toolCalls().isEmpty()
                && c.finishReason() == null && c.usage() == null && c.refusal() == null) {
            alive.run(); // all of its text is held back, and it carried nothing else
            return;
        }
        down.next(new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), t, c.reasoning(), c.toolCalls(),
                c.finishReason(), c.usage(), c.refusal()));
    }

    private void settle() {
        if (ended != null && !busy && (queue == null || queue.isEmpty())) {
            if (dead) {
                ended.tryFail("the stream was refused by a guardrail");
            } else {
                ended.tryComplete();
            }
        }
    }
}
