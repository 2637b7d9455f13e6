package dev.detour.plugin.azure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.wire.OpenAiJson;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * Pure translation for Azure OpenAI, which speaks OpenAI's wire format ({@link OpenAiJson}); this
 * only adds the stream flags and Azure's reading of a filtered answer. The deployment, not the
 * body's {@code model}, selects the model on Azure; the body keeps {@code model} (Azure ignores it)
 * so a request log shows what was asked for. Never mutates its input.
 */
final class AzureTranslator {

    private AzureTranslator() {
    }

    /**
     * The Chat Completions body. A stream always asks for {@code stream_options.include_usage}
     * (GA since api-version 2024-10-21) so core gets token counts.
     */
    static Buffer chatBody(ChatRequest request, boolean stream) {
        ChatRequest r = request;
        if (stream && !(request.stream() && request.includeUsage())) {
            r = request.toBuilder().stream(true).includeUsage(true).build();
        } else if (!stream && (request.stream() || request.includeUsage())) {
            r = request.toBuilder().stream(false).includeUsage(false).build();
        }
        return write(OpenAiJson.writeRequest(r));
    }

    static Buffer embeddingBody(EmbeddingRequest request) {
        return write(OpenAiJson.writeEmbeddingRequest(request));
    }

    /**
     * Parses a 2xx Chat Completions body. An answer whose choice ended with
     * {@code finish_reason: content_filter} was withheld (in part) by Azure's output filter: it
     * fails as {@code CONTENT_FILTER} so core can fall back instead of returning a truncated answer.
     */
    static ChatResponse chatResponse(JsonNode body) {
        ChatResponse r;
        try {
            r = OpenAiJson.parseResponse(body);
        } catch (IllegalArgumentException e) {
            throw malformed("response", e);
        }
        for (Choice c : r.choices()) {
            if (c.finishReason() == FinishReason.CONTENT_FILTER) {
                throw AzureErrors.filteredAnswer();
            }
        }
        return r;
    }

    static EmbeddingResponse embeddingResponse(JsonNode body) {
        try {
            return OpenAiJson.parseEmbeddingResponse(body);
        } catch (IllegalArgumentException e) {
            throw malformed("embeddings response", e);
        }
    }

    /** Reads a 2xx JSON body; garbage is the upstream's fault, and an error object is classified. */
    static JsonNode readJson(Buffer body, String what) {
        JsonNode node;
        try {
            node = OpenAiJson.MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a " + what + " that is not JSON");
        }
        if (node != null && node.hasNonNull("error") && !node.has("choices") && !node.has("data")) {
            throw AzureErrors.fromErrorObject(node);
        }
        if (node == null || !node.isObject()) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a " + what + " that is not a JSON object");
        }
        return node;
    }

    static ProviderException malformed(String what, IllegalArgumentException e) {
        return new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a malformed " + what + ": " + e.getMessage());
    }

    private static Buffer write(JsonNode body) {
        try {
            return Buffer.buffer(OpenAiJson.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not serialise the request body", e);
        }
    }
}
