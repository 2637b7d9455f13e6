package dev.detour.core.failover;

import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.Units;
import dev.detour.core.health.CircuitBreaker;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * One upstream call: its target and the breaker's permission for it, the {@link AttemptCall}
 * handed to the adapter, and its deadlines. The connect timeout is the adapter's (it sets it on
 * its HTTP request); the first-token and idle timeouts and the request's total deadline are
 * enforced here, with one timer, which cancels the call when it fires. The same timer serves the
 * stream's probe window ({@link #armProbe}), during which no timeout runs.
 *
 * <p>{@link #outcome()} completes with the adapter's result, or fails with whatever cancelled the
 * call first (a timeout, the client leaving, the gateway's shutdown, a failed throughput probe);
 * once cancelled, the adapter's own result is ignored. Not thread-safe: the engine's event loop only.
 */
final class Attempt<T> {
    final TargetRuntime target;
    final CircuitBreaker.Grant grant;
    final AttemptCall call;
    /** When the attempt started (clock nanos). */
    final long startedAt;
    /** When its first content arrived (clock nanos), or -1. */
    long firstTokenAt = -1;
    /** Which call to its target this is, for the retry policy: 1 for the first. */
    int tries = 1;
    /** Whether it was sent as a hedge, while an earlier attempt still waited for its first content. */
    boolean hedge;
    /** Whether it lost a hedged race: cancelled because the other attempt produced content first. */
    boolean lost;
    /** The stream's gate its chunks pass through, or null when not streamed. */
    StreamGate gate;
    /** Its span, or null when tracing is off. */
    AttemptTrace span;
    /** The tokens charged to its target's quota before the call, and the slot they went into (-1: none). */
    long quotaEstimate;
    long quotaSlot = -1;

    private final GatewayConfig.Timeouts timeouts;
    /** The request's total deadline (clock nanos), shared by all its attempts. */
    private final long deadline;
    private final Timers timers;
    private final Clock clock;
    private final Promise<T> outcome = Promise.promise();
    private Timers.Timer timer;
    private boolean idleArmed;
    private long lastChunkAt;
    private boolean ended;

    /**
     * @param inbound the client's body when this attempt's request still says exactly the same but
     *                for the model and the stream flags (see {@link dev.detour.api.provider.Call#inbound()}), else null
     */
    Attempt(TargetRuntime target, CircuitBreaker.Grant grant, String requestId, GatewayConfig.Timeouts timeouts,
            long startedAt, long deadline, Timers timers, Clock clock, dev.detour.api.provider.WireBody inbound) {
        this.target = target;
        this.grant = grant;
        this.call = new AttemptCall(target, requestId, timeouts.connect(), timeouts.idle(), inbound);
        this.timeouts = timeouts;
        this.startedAt = startedAt;
        this.deadline = deadline;
        this.timers = timers;
        this.clock = clock;
    }

    /** The call's outcome: the adapter's result, or the failure that cancelled the call. */
    Future<T> outcome() {
        return outcome.future();
    }

    /**
     * Starts the first-token deadline (or what is left of the total, if sooner). Armed before the
     * adapter is called, so an adapter that answers at once finds it there to cancel.
     */
    void armFirstToken() {
        long remainingMs = Math.max(1, (deadline - startedAt) / 1_000_000);
        arm(Math.min(timeouts.firstToken().toMillis(), remainingMs), () -> fail(new ProviderException(ErrorKind.TIMEOUT,
                0, deadline - clock.nanos() <= 0 ? "total timeout reached"
                : "no first token within " + Units.format(timeouts.firstToken()))));
    }

    /** Takes the adapter's result as the outcome, unless the call was cancelled first. */
    void follow(Future<T> upstream) {
        upstream.onComplete(ar -> {
            if (call.cancelled()) {
                return;
            }
            if (ar.succeeded()) {
                outcome.tryComplete(ar.result());
            } else {
                outcome.tryFail(ar.cause());
            }
        });
    }

    /**
     * Replaces the first-token deadline with the stream's probe window: {@code end} runs when it
     * is over (unless the attempt ended first).
     */
    void armProbe(long ms, Runnable end) {
        arm(ms, end);
    }

    /**
     * The upstream is alive (a chunk arrived, or the scrubber held one back): the idle timeout
     * starts again from now. One timer serves the whole stream: a chunk only moves
     * {@code lastChunkAt}; when the timer fires it re-arms for what is left, so a 20-chunk answer
     * costs one timer, not twenty cancel-and-schedule pairs.
     */
    void alive() {
        if (ended) {
            return;
        }
        lastChunkAt = clock.nanos();
        if (!idleArmed) {
            idleArmed = true;
            scheduleIdleCheck(Math.max(1, Math.min(timeouts.idle().toMillis(), (deadline - lastChunkAt) / 1_000_000)));
        }
    }

    /** Abandons the call: the adapter's cancel handlers run and the outcome fails with {@code e}. */
    void fail(ProviderException e) {
        call.cancel(e);
        outcome.tryFail(e);
    }

    /** The attempt's outcome has been taken: its timer stops and late chunks are ignored. */
    void end() {
        ended = true;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /** Whether the call still runs: neither ended nor cancelled. */
    boolean live() {
        return !ended && !call.cancelled();
    }

    /** Milliseconds from the start to {@code now} (clock nanos). */
    long latencyMs(long now) {
        return (now - startedAt) / 1_000_000;
    }

    /** Milliseconds from the start to the first content, or -1 without any. */
    double ttftMs() {
        return firstTokenAt < 0 ? -1 : (firstTokenAt - startedAt) / 1e6;
    }

    private void arm(long ms, Runnable fire) {
        if (timer != null) {
            timer.cancel();
        }
        idleArmed = false;
        timer = timers.schedule(ms, () -> {
            timer = null;
            if (live()) {
                fire.run();
            }
        });
    }

    private void scheduleIdleCheck(long ms) {
        if (timer != null) {
            timer.cancel();
        }
        timer = timers.schedule(ms, () -> {
            timer = null;
            if (!live()) {
                idleArmed = false;
                return;
            }
            long now = clock.nanos();
            if (call.paused()) {
                // Held back for a slow client: the upstream's silence is not its fault.
                lastChunkAt = now;
            }
            long idleLeft = lastChunkAt + timeouts.idle().toNanos() - now;
            long totalLeft = deadline - now;
            if (idleLeft > 0 && totalLeft > 0) {
                scheduleIdleCheck(Math.max(1, Math.min(idleLeft, totalLeft) / 1_000_000));
                return;
            }
            idleArmed = false;
            fail(new ProviderException(ErrorKind.TIMEOUT, 0, totalLeft <= 0 ? "total timeout reached"
                    : "no chunk within the idle timeout of " + Units.format(timeouts.idle())));
        });
    }
}
