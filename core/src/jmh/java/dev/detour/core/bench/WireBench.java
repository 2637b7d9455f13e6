package dev.detour.core.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.wire.OpenAiJson;
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
 * The JSON work of one non-stream request through Detour, piece by piece: the client's request is
 * decoded (bytes → tree → canonical), re-encoded for the upstream with the target's model
 * (canonical → tree → bytes), and the upstream's completion is decoded and re-encoded for the
 * client. {@link #wholeRequest()} chains all four, which is the JSON share of a hop's CPU.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WireBench {
    private byte[] requestBytes;
    private byte[] completionBytes;
    private ChatRequest request;
    private ChatResponse response;

    @Setup
    public void setUp() throws IOException {
        requestBytes = Samples.bytes(Samples.REQUEST);
        completionBytes = Samples.bytes(Samples.COMPLETION);
        request = OpenAiJson.parseRequest(OpenAiJson.MAPPER.readTree(requestBytes));
        response = OpenAiJson.parseResponse(OpenAiJson.MAPPER.readTree(completionBytes));
    }

    /** Inbound: the client's body, as GatewayServer.chat reads it. */
    @Benchmark
    public ChatRequest decodeRequest() throws IOException {
        return OpenAiJson.parseRequest(OpenAiJson.MAPPER.readTree(requestBytes));
    }

    /** Outbound: the target's model set, then the body the OpenAI adapter sends. */
    @Benchmark
    public byte[] encodeRequest() throws IOException {
        ChatRequest forTarget = request.toBuilder().model("gpt-4o-mini").build();
        ObjectNode body = OpenAiJson.writeRequest(forTarget);
        return OpenAiJson.MAPPER.writeValueAsBytes(body);
    }

    /** The upstream's completion, as the OpenAI adapter reads it. */
    @Benchmark
    public ChatResponse decodeResponse() throws IOException {
        JsonNode tree = OpenAiJson.MAPPER.readTree(completionBytes);
        return OpenAiJson.parseResponse(tree);
    }

    /** The completion written for the client, as GatewayServer.json writes it. */
    @Benchmark
    public byte[] encodeResponse() throws IOException {
        return OpenAiJson.MAPPER.writeValueAsBytes(OpenAiJson.writeResponse(response));
    }

    /** All four: the JSON cost of one non-stream request through the hop. */
    @Benchmark
    public byte[] wholeRequest() throws IOException {
        ChatRequest in = OpenAiJson.parseRequest(OpenAiJson.MAPPER.readTree(requestBytes));
        byte[] out = OpenAiJson.MAPPER.writeValueAsBytes(OpenAiJson.writeRequest(in.toBuilder().model("gpt-4o-mini").build()));
        ChatResponse r = OpenAiJson.parseResponse(OpenAiJson.MAPPER.readTree(completionBytes));
        byte[] back = OpenAiJson.MAPPER.writeValueAsBytes(OpenAiJson.writeResponse(r));
        return out.length > back.length ? out : back;
    }
}
