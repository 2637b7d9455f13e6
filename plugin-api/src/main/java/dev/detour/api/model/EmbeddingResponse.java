package dev.detour.api.model;

import java.util.List;

/**
 * The canonical embeddings response.
 *
 * @param model   the model that answered
 * @param vectors one vector per input, in input order
 * @param usage   prompt token count in {@link Usage#promptTokens()}, or null
 */
public record EmbeddingResponse(String model, List<float[]> vectors, Usage usage) {
    public EmbeddingResponse {
        vectors = List.copyOf(vectors);
    }
}
