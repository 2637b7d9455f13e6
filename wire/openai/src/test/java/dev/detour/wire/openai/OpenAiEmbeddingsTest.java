package dev.detour.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.WireJson;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embeddings that must be translated (another encoding than the upstream sent, or another
 * provider's format) are exact to float32: every float reads back as the very float32 it was, in
 * both encodings; and a request asks the upstream for the client's encoding, so an
 * OpenAI-compatible answer needs no translation at all.
 */
class OpenAiEmbeddingsTest {

    /** Every kind of float32: random bit patterns (finite), tiny, huge, negative zero. */
    private static float[] floats() {
        SplittableRandom r = new SplittableRandom(7);
        float[] v = new float[4096];
        for (int i = 0; i < v.length; i++) {
            float f;
            do {
                f = Float.intBitsToFloat(r.nextInt());
            } while (!Float.isFinite(f));
            v[i] = f;
        }
        v[0] = -0.5134599804878235f;
        v[1] = Float.MIN_VALUE;
        v[2] = Float.MAX_VALUE;
        v[3] = -0.0f;
        v[4] = 1e-45f;
        return v;
    }

    @Test
    void written_floats_read_back_as_the_same_float32() throws Exception {
        float[] v = floats();
        JsonNode out = WireJson.MAPPER.readTree(WireJson.MAPPER.writeValueAsBytes(
                OpenAiJson.writeEmbeddingResponse(new EmbeddingResponse("m", List.of(v), Usage.of(3, 0)), "float")));

        JsonNode e = out.at("/data/0/embedding");
        assertEquals(v.length, e.size());
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToIntBits(v[i]), Float.floatToIntBits(Float.parseFloat(e.get(i).asText())),
                    "float " + i + " written as " + e.get(i).asText());
        }
        assertEquals(new EmbeddingResponse("m", List.of(v), Usage.of(3, 0)), OpenAiJson.parseEmbeddingResponse(out));
    }

    @Test
    void written_base64_is_the_float32_bits_little_endian() throws Exception {
        float[] v = floats();
        JsonNode out = OpenAiJson.writeEmbeddingResponse(new EmbeddingResponse("m", List.of(v), Usage.of(3, 0)), "base64");

        ByteBuffer bb = ByteBuffer.wrap(Base64.getDecoder().decode(out.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            assertEquals(Float.floatToIntBits(f), bb.getInt());
        }
        assertFalse(bb.hasRemaining());
        assertEquals(new EmbeddingResponse("m", List.of(v), Usage.of(3, 0)), OpenAiJson.parseEmbeddingResponse(out));
    }

    @Test
    void asks_the_upstream_for_the_clients_encoding() {
        assertEquals("base64", OpenAiJson.writeEmbeddingRequest(
                new EmbeddingRequest("m", List.of("a"), null, "base64", null, null)).path("encoding_format").asText());
        assertEquals("float", OpenAiJson.writeEmbeddingRequest(
                new EmbeddingRequest("m", List.of("a"), null, "float", null, null)).path("encoding_format").asText());
        assertFalse(OpenAiJson.writeEmbeddingRequest(
                new EmbeddingRequest("m", List.of("a"), null, null, null, null)).has("encoding_format"));
    }

    @Test
    void tells_whether_an_answer_is_in_the_encoding_asked_for() throws Exception {
        JsonNode floats = WireJson.MAPPER.readTree("{\"data\":[{\"embedding\":[0.5]},{\"embedding\":[1]}]}");
        JsonNode strings = WireJson.MAPPER.readTree("{\"data\":[{\"embedding\":\"AAAAPw==\"}]}");
        JsonNode mixed = WireJson.MAPPER.readTree("{\"data\":[{\"embedding\":[0.5]},{\"embedding\":\"AAAAPw==\"}]}");

        assertTrue(OpenAiJson.embeddingsEncodedAs(floats, null));
        assertTrue(OpenAiJson.embeddingsEncodedAs(floats, "float"));
        assertFalse(OpenAiJson.embeddingsEncodedAs(floats, "base64"));
        assertTrue(OpenAiJson.embeddingsEncodedAs(strings, "base64"));
        assertFalse(OpenAiJson.embeddingsEncodedAs(strings, "float"));
        assertFalse(OpenAiJson.embeddingsEncodedAs(mixed, "float"));
        assertFalse(OpenAiJson.embeddingsEncodedAs(mixed, "base64"));
    }
}
