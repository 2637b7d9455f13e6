package dev.detour.api.model;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The canonical embeddings request (OpenAI Embeddings shape).
 *
 * @param model          the model
 * @param input          the texts to embed, at least one
 * @param dimensions     requested output dimensions, or null
 * @param encodingFormat {@code float} or {@code base64}, or null
 * @param user           end-user id, or null
 * @param extra          every other field, passed through to OpenAI-compatible targets
 */
public record EmbeddingRequest(String model, List<String> input, Integer dimensions, String encodingFormat,
                               String user, ObjectNode extra) {
    public EmbeddingRequest {
        if (input == null || input.isEmpty()) {
            throw new IllegalArgumentException("input must not be empty");
        }
        input = List.copyOf(input);
    }

    /** A copy for another model. */
    public EmbeddingRequest withModel(String newModel) {
        return new EmbeddingRequest(newModel, input, dimensions, encodingFormat, user, extra);
    }
}
