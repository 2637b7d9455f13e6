package dev.detour.api.model;

/**
 * One alternative answer of a non-streamed chat completion.
 *
 * @param index        its index (0 unless {@code n > 1})
 * @param message      the assistant message
 * @param finishReason why generation stopped (null if unknown)
 */
public record Choice(int index, Message message, FinishReason finishReason) {
    public Choice {
        if (message == null) {
            throw new IllegalArgumentException("choice message must not be null");
        }
    }
}
