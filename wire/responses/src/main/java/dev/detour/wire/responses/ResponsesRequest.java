package dev.detour.wire.responses;

import dev.detour.api.model.ChatRequest;

import java.util.Objects;

/**
 * A Responses API request as Detour serves it: the canonical request the engine routes, plus what
 * the Response object echoes back that the canonical request does not keep in the client's words.
 * A pure value.
 *
 * @param chat         the canonical request ({@code instructions} is its leading system message)
 * @param instructions the client's {@code instructions}, echoed in the Response object, or null
 */
public record ResponsesRequest(ChatRequest chat, String instructions) {

    public ResponsesRequest {
        Objects.requireNonNull(chat, "chat");
    }

    /** The {@code model} the client named (a route, or a {@code provider/model}). */
    public String model() {
        return chat.model();
    }

    /** Whether the client asked for the event stream. */
    public boolean stream() {
        return chat.stream();
    }

    /** A copy with another canonical request (a guardrail may replace it); the echo is kept. */
    public ResponsesRequest withChat(ChatRequest other) {
        return other == chat ? this : new ResponsesRequest(other, instructions);
    }
}
