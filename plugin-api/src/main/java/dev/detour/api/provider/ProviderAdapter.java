package dev.detour.api.provider;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.Message;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/**
 * Calls one provider: translates the canonical request to the provider's wire format, calls it
 * with Vert.x's non-blocking HTTP client, and translates the answer back.
 *
 * <p>Contract for every method: runs on the event loop and never blocks; a failure is a failed
 * {@code Future} whose cause is a {@link ProviderException} with the right {@link ErrorKind}
 * (anything else is treated as {@link ErrorKind#UNKNOWN}); the request passed in is never
 * mutated; {@code request.model()} is already the target's model. The engine owns retries and
 * timeouts: an adapter makes exactly one HTTP call per invocation.
 *
 * <p>A request the adapter cannot translate because the request itself is wrong (a malformed
 * field, an image URL no provider can fetch: see {@link RequestChecks}) fails before any I/O with
 * {@link ErrorKind#INVALID_REQUEST} and status 0; core answers the client 400
 * {@code invalid_request} with the message and tries no other target. A feature this provider
 * cannot honour but another might is {@link ErrorKind#UNSUPPORTED} instead: core tries the route's
 * next target, or answers 400 {@code unsupported} on a direct call, which names this one target.
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

    /**
     * The instruction the default {@link #continuation} adds after the answer so far: the reply to
     * it is appended to that answer as it is.
     */
    String CONTINUE_INSTRUCTION = "Your previous answer was cut off. Continue it from exactly where it stopped,"
            + " mid-word or mid-sentence if need be. Do not repeat any of it and add no preamble:"
            + " your reply is appended to it as it is.";

    /**
     * The request that asks this provider to continue an answer another target had started
     * streaming when its stream was cut (a route with {@code stream.resume: true}). The client
     * already has {@code sent}; what this call streams is appended to it, so it must be the rest
     * of that answer, not a new one. {@code request} is the request as this target would get it
     * anyway (its overrides applied); {@code sent} is the answer's text so far (never a half-sent
     * tool call: core does not resume those), possibly empty.
     *
     * <p>The default works with any chat model: the answer so far as an assistant message, then a
     * user message ({@link #CONTINUE_INSTRUCTION}) asking to continue it where it stopped. An
     * adapter whose provider continues a trailing assistant message itself (a prefill, an
     * assistant prefix) returns the request with only that message. A request that already ends
     * with an assistant message (the client's own prefill) has {@code sent} appended to it, since
     * the answer continues that text. Pure: never mutates {@code request}.
     */
    default ChatRequest continuation(ChatRequest request, String sent) {
        List<Message> messages = new ArrayList<>(request.messages());
        Message last = messages.get(messages.size() - 1);
        String answer = sent;
        if (last.role().equals("assistant") && last.toolCalls().isEmpty()) {
            messages.remove(messages.size() - 1);
            answer = last.text() + sent;
        }
        if (!answer.isEmpty()) {
            messages.add(Message.assistant(answer, List.of()));
            messages.add(Message.text("user", CONTINUE_INSTRUCTION));
        }
        return request.toBuilder().messages(messages).build();
    }

    /** Embeddings; adapters without them keep this default, which fails as {@link ErrorKind#UNSUPPORTED}. */
    default Future<EmbeddingResponse> embed(EmbeddingRequest request, Call call) {
        return Future.failedFuture(new ProviderException(ErrorKind.UNSUPPORTED, 0,
                "provider type does not support embeddings"));
    }

    /**
     * Why {@code model} cannot be a model of this provider (e.g. a name that cannot go into the
     * provider's URL path), or null when it may be. Core asks before it creates a target for a
     * client's direct {@code provider/model} call, and refuses the request with 400 naming
     * {@code model} when this says why; nothing is called. The name has already been checked to be
     * printable ASCII without spaces, at most 256 characters. Must be cheap and side-effect free.
     * The default accepts every such name.
     */
    default String modelProblem(String model) {
        return null;
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
