package dev.detour.core.bench;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.WireBody;
import dev.detour.wire.openai.OpenAiJson;
import dev.detour.wire.openai.OpenAiStreamDecoder;
import io.vertx.core.Promise;
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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stream-chunk translation as the OpenAI adapter and the gateway do it for plain events: an
 * upstream event read without a JSON tree into a canonical chunk, its bytes kept beside it
 * ({@code parsePlainChunk}), the event framed for the client from those bytes (GatewayServer's
 * SseWriter, whose framing is reproduced here because it is package-private), and a whole
 * 20-chunk stream through the adapter's real decoder ({@link OpenAiStreamDecoder}: SSE decoding,
 * chunk reading) and the framing. The {@code tree*} benchmarks are the fallback that other
 * events take (tool-call deltas, several choices): bytes → tree → canonical → tree → bytes.
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
    private byte[] chunkBytes;
    private ChatChunk chunk;
    private Buffer stream;

    @Setup
    public void setUp() {
        chunkData = Samples.CHUNK;
        chunkBytes = chunkData.getBytes(StandardCharsets.UTF_8);
        chunk = OpenAiJson.parsePlainChunk(chunkBytes);
        if (chunk == null) {
            throw new IllegalStateException("the sample chunk must take the plain path, as the benchmark's do");
        }
        stream = Buffer.buffer(Samples.STREAM);
    }

    /** One event's data (as the SSE decoder gives it) → its bytes (kept) → canonical chunk. */
    @Benchmark
    public ChatChunk parseChunk() {
        return OpenAiJson.parsePlainChunk(chunkData.getBytes(StandardCharsets.UTF_8));
    }

    /** One chunk → the SSE frame the client receives: the upstream's bytes as they came. */
    @Benchmark
    public Buffer writeChunk() {
        return frame(chunkBytes);
    }

    /** A whole 20-chunk stream: the adapter's decoder (SSE, chunk reading) and the client's frames. */
    @Benchmark
    public void wholeStream(Blackhole bh) {
        Promise<Void> done = Promise.promise();
        OpenAiStreamDecoder decoder = new OpenAiStreamDecoder(new ChunkSink() {
            @Override
            public void next(ChatChunk c) {
                throw new IllegalStateException("a plain event comes with its bytes");
            }

            @Override
            public void next(ChatChunk c, WireBody wire) {
                bh.consume(frame(wire.bytes()));
            }
        }, done, error -> new ProviderException(ErrorKind.SERVER_ERROR, 0, "unexpected error event"));
        decoder.feed(stream);
        decoder.end();
        if (!done.future().succeeded()) {
            throw new IllegalStateException("the sample stream did not end with [DONE]");
        }
        bh.consume(Buffer.buffer("data: [DONE]\n\n"));
    }

    /** Fallback: one event's data → tree → canonical chunk(s). */
    @Benchmark
    public List<ChatChunk> treeParseChunk() throws IOException {
        return OpenAiJson.parseChunk(WireJson.MAPPER.readTree(chunkData));
    }

    /** Fallback: a chunk without its text → tree → SSE frame. */
    @Benchmark
    public Buffer treeWriteChunk() throws JsonProcessingException {
        return frame(WireJson.MAPPER.writeValueAsBytes(OpenAiJson.writeChunk(chunk)));
    }

    private static Buffer frame(byte[] json) {
        return Buffer.buffer(json.length + 8).appendBytes(DATA).appendBytes(json).appendBytes(END);
    }
}
