package dev.detour.api.provider;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import io.vertx.core.Future;

/**
 * Calls one provider: translates the canonical request to the provider's wire format, calls it
 * with Vert.x's non-blocking HTTP client, and translates the answer back.
 *
 * <p>Contract for every method: runs on the event loop and never blocks; a failure is a failed
 * {@code Future} whose cause is a {@link ProviderException} with the right {@link ErrorKind}
 * (anything else is treated as {@link ErrorKind#UNKNOWN}); the request passed in is never
 * mutated; {@code request.model()} is already the target's model. The engine owns retries and
 * timeouts: an adapter makes exactly one HTTP call per invocation.
 */
public interface ProviderAdapter {

    /** One non-streamed chat completion. */
    Future<ChatResponse> chat(ChatRequest request, Call call);

    /**
     * One streamed chat completion: pushes every chunk to {@code sink} and completes the returned
     * future when the provider's stream ended normally. An error the provider sends inside the
     * stream, or a stream that ends without its terminal event, fails the future.
     */
    Future<Void> stream(ChatRequest request, Call call, ChunkSink sink);

    /** Embeddings; adapters without them keep this default, which fails as {@link ErrorKind#UNSUPPORTED}. */
    default Future<EmbeddingResponse> embed(EmbeddingRequest request, Call call) {
        return Future.failedFuture(new ProviderException(ErrorKind.UNSUPPORTED, 0,
                "provider type does not support embeddings"));
    }

    /** The defaults for a model on this provider; users may override them per target. */
    default Capabilities capabilities(String model) {
        return Capabilities.ALL;
    }

    /** Releases HTTP clients; called once when the gateway stops or the config is replaced. */
    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
