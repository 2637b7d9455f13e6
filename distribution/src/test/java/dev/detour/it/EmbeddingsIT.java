package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code POST /v1/embeddings} forwards what needs no change: an OpenAI-compatible upstream's answer
 * in the encoding the client asked for reaches the client byte for byte (floats not re-rounded,
 * base64 untouched); an answer in the other encoding is re-encoded exactly to float32.
 */
class EmbeddingsIT {
    /** Doubles as an upstream writes them, more digits than a float32 needs. */
    static final String FLOATS_ANSWER = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[-0.5134599804878235,0.0023064255,1.0E-7,-3]}],"
            + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}";

    Vertx vertx;
    Upstream upstream;
    Detour gw;

    /** Answers every embeddings call with the next scripted body, and keeps what it was sent. */
    static final class Upstream extends FakeJsonServer {
        final List<JsonNode> sent = new CopyOnWriteArrayList<>();
        volatile String answer = FLOATS_ANSWER;

        Upstream(Vertx vertx) {
            super(vertx);
        }

        @Override
        void onRequest(HttpServerRequest req, JsonNode body) {
            sent.add(body);
            req.response().putHeader("content-type", "application/json").end(answer);
        }
    }

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
        upstream = new Upstream(vertx);
        await(upstream.listen());
        gw = Harness.start(vertx, """
                providers:
                  compat: { type: openai, base_url: "%s/v1", api_key: sk-compat-secret-1234, region: on-prem, category: self-hosted }
                routes:
                  embed:
                    targets:
                      - { provider: compat, model: text-embedding-3-small }
                """.formatted(upstream.baseUrl()));
    }

    @AfterEach
    void stop() {
        await(gw.stop());
        upstream.close();
        await(vertx.close());
    }

    Reply embed(String encoding) {
        return post(vertx, gw.port(), "/v1/embeddings", "{\"model\":\"embed\",\"input\":\"hello\""
                + (encoding == null ? "" : ",\"encoding_format\":\"" + encoding + "\"") + "}");
    }

    @Test
    void floats_from_an_openai_compatible_upstream_are_forwarded_byte_identical() {
        Reply r = embed(null);

        assertEquals(200, r.status(), r.body());
        assertEquals(FLOATS_ANSWER, r.body(), "the upstream's bytes, not re-rounded to float32");
        assertEquals("compat/text-embedding-3-small", r.header("x-detour-target"));
        assertEquals("application/json", r.header("content-type"));

        Reply f = embed("float");
        assertEquals(FLOATS_ANSWER, f.body());
        assertEquals("float", upstream.sent.get(1).path("encoding_format").asText());
    }

    @Test
    void base64_from_an_openai_compatible_upstream_is_forwarded_untouched() {
        String b64 = base64(-0.5134599804878235f, 0.25f);
        upstream.answer = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":\""
                + b64 + "\"}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}";

        Reply r = embed("base64");

        assertEquals(200, r.status(), r.body());
        assertEquals(upstream.answer, r.body());
        assertEquals("base64", upstream.sent.get(0).path("encoding_format").asText(), "the client's encoding is asked for");
    }

    @Test
    void floats_where_base64_was_asked_are_re_encoded_exactly_to_float32() {
        // An OpenAI-compatible server that ignores encoding_format answers floats anyway.
        Reply r = embed("base64");

        assertEquals(200, r.status(), r.body());
        assertEquals(base64(-0.5134599804878235f, 0.0023064255f, 1.0E-7f, -3f), r.json().at("/data/0/embedding").asText());
        assertEquals(2, r.json().at("/usage/prompt_tokens").asInt());
    }

    static String base64(float... v) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            bb.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(bb.array());
    }
}
