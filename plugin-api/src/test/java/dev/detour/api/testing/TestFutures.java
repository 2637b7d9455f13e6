package dev.detour.api.testing;

import dev.detour.api.ProviderException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Running adapter calls on an event loop and waiting for their outcome from a test thread.
 * Waiting blocks the test thread only (never an event loop) and is bounded by
 * {@link #WAIT_SECONDS} so a hung adapter fails its test instead of the build; it is not a timed
 * assertion. Test-support code (plugin-api's test-jar); never part of a plugin jar.
 */
public final class TestFutures {

    /** The longest a test waits for a future before giving up. */
    public static final long WAIT_SECONDS = 30;

    private TestFutures() {
    }

    /** Runs {@code call} on {@code context} (as core runs adapter calls) and returns its outcome. */
    public static <T> Future<T> onContext(Context context, Supplier<Future<T>> call) {
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> call.get().onComplete(p));
        return p.future();
    }

    /** The result of {@code f}; throws what it failed with (wrapped in an {@link ExecutionException}). */
    public static <T> T await(Future<T> f) throws ExecutionException, InterruptedException, TimeoutException {
        return f.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * The {@link ProviderException} {@code f} failed with.
     *
     * @throws AssertionError when {@code f} succeeded or failed with anything else
     */
    public static ProviderException awaitFailure(Future<?> f) throws InterruptedException, TimeoutException {
        try {
            f.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ProviderException p) {
                return p;
            }
            throw new AssertionError("expected a ProviderException, got " + e.getCause(), e.getCause());
        }
        throw new AssertionError("expected the call to fail");
    }
}
