package dev.detour.core.bench;

import dev.detour.core.failover.Scrubber;
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

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The byte filter every answer leaves through ({@link Scrubber}), with one key of each provider type
 * configured, on answers that hold none (the common case: one pass, nothing copied): the typical
 * completion, the typical 20-chunk stream as one write, a 4 KB English answer with JSON escapes, and
 * a 4 KB answer whose text is all <code>&#92;uXXXX</code> escapes (non-Latin text from an upstream
 * that escapes it), the filter's worst clean case. {@code keyed} is the 4 KB answer with one key in it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScrubBench {
    static final String KEY = "sk-proj-Lk3Ab9QwErTy7UiOp2AsDf5GhJk";

    private final String[] secrets = {KEY, "sk-ant-api03-Zx8Cv7Bn6Mm5Qa4Ws3Ed2Rf1Tg",
        "AIzaSyB7dE9fG1hI3jK5lM7nO9pQ1rS3tU5vW7x", "9f86d081884c7d659a2feaa0c55ad015",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
    private Scrubber scrubber;
    private byte[] completion;
    private Buffer stream;
    private byte[] english;
    private byte[] escaped;
    private byte[] keyed;

    @Setup
    public void setUp() {
        scrubber = new Scrubber(Set.of(secrets));
        completion = Samples.bytes(Samples.COMPLETION);
        stream = Buffer.buffer(Samples.STREAM);
        Random random = new Random(1);
        String[] words = ("the quick brown fox jumps over lazy dogs and this is sample text with sentences describing "
                + "a process of answering questions about features\\n").split(" ");
        StringBuilder text = new StringBuilder();
        StringBuilder cjk = new StringBuilder();
        while (text.length() < 4000) {
            text.append(words[random.nextInt(words.length)]).append(' ');
            cjk.append(String.format(Locale.ROOT, "\\u%04x", 0x4e00 + random.nextInt(0x5000)));
        }
        english = answer(text.toString());
        escaped = answer(cjk.toString());
        keyed = answer(text.substring(0, 2000) + KEY + text.substring(2000));
        if (scrubber.scrub(english) != english || scrubber.scrub(escaped) != escaped || scrubber.scrub(keyed) == keyed
                || scrubber.scrub(stream) != stream) {
            throw new IllegalStateException("the samples must be clean, and the keyed one not");
        }
    }

    private static byte[] answer(String content) {
        return Samples.bytes("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                + content + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":22}}");
    }

    /** The typical completion (about 400 bytes). */
    @Benchmark
    public byte[] completion() {
        return scrubber.scrub(completion);
    }

    /** The typical 20-chunk stream (about 3.4 KB) as one buffer, scanned in place. */
    @Benchmark
    public Buffer stream() {
        return scrubber.scrub(stream);
    }

    /** 4 KB of English text with newline escapes. */
    @Benchmark
    public byte[] english4k() {
        return scrubber.scrub(english);
    }

    /** 4 KB of <code>&#92;uXXXX</code> escapes: every one decoded and compared. */
    @Benchmark
    public byte[] escaped4k() {
        return scrubber.scrub(escaped);
    }

    /**
     * For scale, what the filter replaced on the raw pass-through: the body copied into a Latin-1
     * string and searched with the JDK's intrinsic {@code indexOf}, as it is only (no escapes).
     */
    @Benchmark
    public boolean latin1Contains4k() {
        String haystack = new String(english, StandardCharsets.ISO_8859_1);
        for (String s : secrets) {
            if (haystack.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** For scale: copying the 4 KB answer once (the floor of any pass that writes it). */
    @Benchmark
    public byte[] copy4k() {
        return Arrays.copyOf(english, english.length);
    }

    /** 4 KB with a key in it: found, masked, copied. */
    @Benchmark
    public byte[] keyed4k() {
        return scrubber.scrub(keyed);
    }
}
