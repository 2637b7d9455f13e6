package dev.detour.api.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The canonical embeddings response; a value: two responses are equal when their models, usage and
 * every vector's floats are (a {@code float[]} alone compares by identity, so equality is written
 * out). Never mutate a vector.
 *
 * @param model   the model that answered
 * @param vectors one vector per input, in input order
 * @param usage   prompt token count in {@link Usage#promptTokens()}, or null
 */
public record EmbeddingResponse(String model, List<float[]> vectors, Usage usage) {
    public EmbeddingResponse {
        vectors = List.copyOf(vectors);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EmbeddingResponse e) || !Objects.equals(model, e.model) || !Objects.equals(usage, e.usage)
                || vectors.size() != e.vectors.size()) {
            return false;
        }
        for (int i = 0; i < vectors.size(); i++) {
            if (!Arrays.equals(vectors.get(i), e.vectors.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(model, usage);
        for (float[] v : vectors) {
            h = 31 * h + Arrays.hashCode(v);
        }
        return h;
    }

    @Override
    public String toString() {
        return "EmbeddingResponse[model=" + model + ", vectors=" + vectors.size() + ", usage=" + usage + "]";
    }
}
