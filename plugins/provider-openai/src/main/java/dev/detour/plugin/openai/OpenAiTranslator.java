package dev.detour.plugin.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.wire.OpenAiJson;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Pure translation between the canonical model and OpenAI's wire format. The canonical model
 * <em>is</em> OpenAI's format ({@link OpenAiJson}), so this only adds what the outbound side
 * needs: the stream flags, serialisation straight into a Vert.x {@link Buffer}, and turning a
 * malformed upstream body into a classified failure. Never mutates its input.
 */
final class OpenAiTranslator {

    private OpenAiTranslator() {
    }

    /**
     * The Chat Completions body. Unknown client fields travel unchanged. A stream always asks for
     * {@code stream_options.include_usage}, so core gets token counts whatever the client asked;
     * a non-stream call never carries stream flags.
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

    /** The Embeddings body (floats are always asked for; core re-encodes for the client). */
    static Buffer embeddingBody(EmbeddingRequest request) {
        return write(OpenAiJson.writeEmbeddingRequest(request));
    }

    /** Parses a 2xx Chat Completions body; a body that does not fit is the upstream's fault. */
    static ChatResponse chatResponse(JsonNode body) {
        try {
            return OpenAiJson.parseResponse(body);
        } catch (IllegalArgumentException e) {
            throw malformed("response", e);
        }
    }

    /** Parses a 2xx Embeddings body (float arrays or base64 little-endian float32). */
    static EmbeddingResponse embeddingResponse(JsonNode body) {
        try {
            return OpenAiJson.parseEmbeddingResponse(body);
        } catch (IllegalArgumentException e) {
            throw malformed("embeddings response", e);
        }
    }

    /** Reads a JSON body from the response bytes; garbage is a server error, not a client one. */
    static JsonNode readJson(Buffer body, String what) {
        try {
            return OpenAiJson.MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a " + what + " that is not JSON");
        }
    }

    static ProviderException malformed(String what, IllegalArgumentException e) {
        return new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a malformed " + what + ": " + e.getMessage());
    }

    private static Buffer write(ObjectNode body) {
        // Jackson writes straight into the Buffer: no intermediate byte[] to copy again.
        Buffer buf = Buffer.buffer(1024);
        try (OutputStream out = new BufferOutputStream(buf)) {
            OpenAiJson.MAPPER.writeValue(out, body);
        } catch (IOException e) {
            // A tree of JSON nodes always serialises; an IOException here is a bug, not an upstream failure.
            throw new IllegalStateException("could not serialise the request body", e);
        }
        return buf;
    }

    /** An OutputStream appending to a Vert.x Buffer. */
    private static final class BufferOutputStream extends OutputStream {
        private final Buffer buf;

        BufferOutputStream(Buffer buf) {
            this.buf = buf;
        }

        @Override
        public void write(int b) {
            buf.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buf.appendBytes(b, off, len);
        }
    }
}
