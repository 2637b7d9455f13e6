package dev.detour.core.bench;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.wire.openai.OpenAiJson;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The JSON work of one non-stream request through Detour, piece by piece, as the gateway and the
 * OpenAI adapter do it for a plain request: the client's body read without a JSON tree
 * ({@code parsePlainRequest}), the client's bytes sent upstream with the target's model spliced in
 * ({@code spliceRequest}), and the upstream's completion read without a tree
 * ({@code parsePlainResponse}) and forwarded as its own bytes. {@link #wholeRequest()} chains
 * them: the JSON share of a hop's CPU. The {@code tree*} benchmarks are the fallback that any
 * other body takes (tools, images, several choices...): bytes → tree → canonical and back.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WireBench {
    private static final String TARGET_MODEL = "gpt-4o-mini";

    private byte[] requestBytes;
    private byte[] completionBytes;
    private ChatRequest request;
    private ChatResponse response;

    @Setup
    public void setUp() {
        requestBytes = Samples.bytes(Samples.REQUEST);
        completionBytes = Samples.bytes(Samples.COMPLETION);
        request = OpenAiJson.parsePlainRequest(requestBytes);
        response = OpenAiJson.parsePlainResponse(completionBytes);
        if (request == null || response == null || splice(request) == null) {
            throw new IllegalStateException("the samples must take the plain path, as the benchmark's do");
        }
    }

    /** Inbound: the client's body, as GatewayServer.chat reads a plain request. */
    @Benchmark
    public ChatRequest decodeRequest() {
        return OpenAiJson.parsePlainRequest(requestBytes);
    }

    /** Outbound: the target's model set, then the body the OpenAI adapter sends (the client's bytes, spliced). */
    @Benchmark
    public byte[] encodeRequest() {
        return splice(request);
    }

    /** The upstream's completion, as the OpenAI adapter reads a plain one (its bytes then go to the client as they are). */
    @Benchmark
    public ChatResponse decodeResponse() {
        return OpenAiJson.parsePlainResponse(completionBytes);
    }

    /** All of it: the JSON cost of one plain non-stream request through the hop. */
    @Benchmark
    public byte[] wholeRequest() {
        byte[] out = splice(OpenAiJson.parsePlainRequest(requestBytes));
        // The answer is read; its bytes go back to the client as they are, beside it.
        return OpenAiJson.parsePlainResponse(completionBytes) == null || out.length > completionBytes.length
                ? out : completionBytes;
    }

    /** Fallback, inbound: bytes → tree → canonical request. */
    @Benchmark
    public ChatRequest treeDecodeRequest() throws IOException {
        return OpenAiJson.parseRequest(WireJson.MAPPER.readTree(requestBytes));
    }

    /** Fallback, outbound: canonical request with the target's model → tree → bytes. */
    @Benchmark
    public byte[] treeEncodeRequest() throws IOException {
        ObjectNode body = OpenAiJson.writeRequest(request.toBuilder().model(TARGET_MODEL).build());
        return WireJson.MAPPER.writeValueAsBytes(body);
    }

    /** Fallback: the upstream's completion, bytes → tree → canonical. */
    @Benchmark
    public ChatResponse treeDecodeResponse() throws IOException {
        JsonNode tree = WireJson.MAPPER.readTree(completionBytes);
        return OpenAiJson.parseResponse(tree);
    }

    /** Fallback: a completion written for the client from its canonical form, as GatewayServer does when it has no bytes to forward. */
    @Benchmark
    public byte[] treeEncodeResponse() throws IOException {
        return WireJson.MAPPER.writeValueAsBytes(OpenAiJson.writeResponse(response));
    }

    /** The client's bytes with the target's model spliced in, as the adapter sends them (the attempt carries them). */
    private byte[] splice(ChatRequest in) {
        return OpenAiJson.spliceRequest(in.toBuilder().model(TARGET_MODEL).build(), requestBytes);
    }
}
