package dev.detour.core.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.wire.OpenAiJson;
import dev.detour.api.wire.SseDecoder;
import io.vertx.core.buffer.Buffer;
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
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stream-chunk translation: an upstream SSE event decoded to canonical chunks (the OpenAI
 * adapter's OpenAiStreamDecoder path), a canonical chunk written back as an SSE frame for the
 * client (GatewayServer's chunk path, whose {@code sse()} framing is reproduced here because it is
 * package-private), and a whole 20-chunk stream through both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StreamBench {
    private static final byte[] DATA = Samples.bytes("data: ");
    private static final byte[] END = Samples.bytes("\n\n");

    private String chunkData;
    private ChatChunk chunk;
    private Buffer stream;

    @Setup
    public void setUp() throws IOException {
        chunkData = Samples.CHUNK;
        chunk = OpenAiJson.parseChunk(OpenAiJson.MAPPER.readTree(chunkData)).get(0);
        stream = Buffer.buffer(Samples.STREAM);
    }

    /** One event's data → canonical chunk(s). */
    @Benchmark
    public List<ChatChunk> parseChunk() throws IOException {
        return OpenAiJson.parseChunk(OpenAiJson.MAPPER.readTree(chunkData));
    }

    /** One canonical chunk → the SSE frame the client receives. */
    @Benchmark
    public Buffer writeChunk() {
        return sse(chunk);
    }

    /** A whole 20-chunk stream: SSE decoding, chunk parsing, chunk writing and framing. */
    @Benchmark
    public void wholeStream(Blackhole bh) {
        SseDecoder decoder = new SseDecoder((type, data) -> {
            if (data.startsWith("[DONE]")) {
                bh.consume(Buffer.buffer("data: [DONE]\n\n"));
                return;
            }
            try {
                for (ChatChunk c : OpenAiJson.parseChunk(OpenAiJson.MAPPER.readTree(data))) {
                    bh.consume(sse(c));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        decoder.feed(stream);
        decoder.end();
    }

    private static Buffer sse(ChatChunk c) {
        try {
            byte[] bytes = OpenAiJson.MAPPER.writeValueAsBytes(OpenAiJson.writeChunk(c));
            return Buffer.buffer(bytes.length + 8).appendBytes(DATA).appendBytes(bytes).appendBytes(END);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
