package dev.detour.plugin.simulator;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * The faults the simulator injects into the calls of one endpoint name: the body of
 * {@code PUT /_chaos/{name}} and the values of {@code simulator.faults.<name>} in the YAML.
 * Every field is optional; a record with no field set injects nothing.
 *
 * <p>Each call draws from the endpoint's seedable random generator (reset whenever its faults are
 * set): first the {@code rate} draw (only when a {@code status} of 400 or more is set), then the
 * jitter draw (only when {@code jitter_ms} is set). {@code down} draws nothing.
 *
 * @param down           close every connection at once, without an answer
 * @param status         answer this HTTP status (100..599; only 400 and above produce an error
 *                       body, in the wire format of the endpoint called)
 * @param rate           the share of calls (0..1) answered with {@code status}; default 1 when
 *                       {@code status} is set
 * @param retryAfter     whole seconds sent as {@code Retry-After} on 429, 503 and 529 answers
 * @param latencyMs      delay before the answer (before the first byte of a stream)
 * @param jitterMs       a uniform extra delay in {@code [0, jitter_ms]} added to {@code latency_ms}
 *                       ({@code latency_ms} is therefore a guaranteed minimum)
 * @param chunkDelayMs   delay between stream events
 * @param cutAfterChunks end a stream abruptly (connection closed, no terminal event) after this
 *                       many events; non-streamed answers are not affected
 * @param degrade        answer 200 with degraded content
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChaosFaults(
        @JsonProperty("down") Boolean down,
        @JsonProperty("status") Integer status,
        @JsonProperty("rate") Double rate,
        @JsonProperty("retry_after") Integer retryAfter,
        @JsonProperty("latency_ms") Long latencyMs,
        @JsonProperty("jitter_ms") Long jitterMs,
        @JsonProperty("chunk_delay_ms") Long chunkDelayMs,
        @JsonProperty("cut_after_chunks") Integer cutAfterChunks,
        @JsonProperty("degrade") Degrade degrade) {

    /** No faults at all. */
    public static final ChaosFaults NONE = new ChaosFaults(null, null, null, null, null, null, null, null, null);

    public ChaosFaults {
        if (status != null && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("status: must be between 100 and 599 (was " + status + ")");
        }
        if (rate != null && (rate.isNaN() || rate < 0 || rate > 1)) {
            throw new IllegalArgumentException("rate: must be between 0 and 1 (was " + rate + ")");
        }
        if (rate != null && status == null) {
            throw new IllegalArgumentException("rate: needs a status to apply to (was " + rate + " without status)");
        }
        requireNonNegative("retry_after", retryAfter);
        requireNonNegative("latency_ms", latencyMs);
        requireNonNegative("jitter_ms", jitterMs);
        requireNonNegative("chunk_delay_ms", chunkDelayMs);
        requireNonNegative("cut_after_chunks", cutAfterChunks);
    }

    private static void requireNonNegative(String field, Number value) {
        if (value != null && value.longValue() < 0) {
            throw new IllegalArgumentException(field + ": must not be negative (was " + value + ")");
        }
    }

    /** Faults that only close connections. */
    public static ChaosFaults closingConnections() {
        return NONE.withDown(true);
    }

    /** Faults answering {@code status} for {@code rate} of the calls (1.0 = all). */
    public static ChaosFaults status(int status, double rate) {
        return new ChaosFaults(null, status, rate, null, null, null, null, null, null);
    }

    /** A copy with {@code down} set. */
    public ChaosFaults withDown(boolean v) {
        return new ChaosFaults(v, status, rate, retryAfter, latencyMs, jitterMs, chunkDelayMs, cutAfterChunks, degrade);
    }

    /** A copy with {@code retry_after} set. */
    public ChaosFaults withRetryAfter(int seconds) {
        return new ChaosFaults(down, status, rate, seconds, latencyMs, jitterMs, chunkDelayMs, cutAfterChunks, degrade);
    }

    /** A copy with {@code latency_ms} and {@code jitter_ms} set. */
    public ChaosFaults withLatency(long ms, long jitter) {
        return new ChaosFaults(down, status, rate, retryAfter, ms, jitter, chunkDelayMs, cutAfterChunks, degrade);
    }

    /** A copy with {@code chunk_delay_ms} set. */
    public ChaosFaults withChunkDelay(long ms) {
        return new ChaosFaults(down, status, rate, retryAfter, latencyMs, jitterMs, ms, cutAfterChunks, degrade);
    }

    /** A copy with {@code cut_after_chunks} set. */
    public ChaosFaults withCutAfterChunks(int n) {
        return new ChaosFaults(down, status, rate, retryAfter, latencyMs, jitterMs, chunkDelayMs, n, degrade);
    }

    /** A copy with {@code degrade} set. */
    public ChaosFaults withDegrade(Degrade d) {
        return new ChaosFaults(down, status, rate, retryAfter, latencyMs, jitterMs, chunkDelayMs, cutAfterChunks, d);
    }

    boolean isDown() {
        return Boolean.TRUE.equals(down);
    }

    double effectiveRate() {
        return rate == null ? 1.0 : rate;
    }

    /** How an answer is degraded while still answering 200. */
    public enum Degrade {
        /** An empty text. */
        EMPTY,
        /** One phrase repeated over and over. */
        REPEAT,
        /** The answer cut mid-sentence, with the "length" finish reason. */
        TRUNCATE,
        /** Fluent text that has nothing to do with the prompt. */
        OFF_TOPIC;

        /** The wire name ({@code empty}, {@code repeat}, {@code truncate}, {@code off_topic}). */
        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The mode for a wire name; an unknown name is an IllegalArgumentException listing the known ones. */
        @JsonCreator
        public static Degrade fromWire(String value) {
            for (Degrade d : values()) {
                if (d.wire().equals(value)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("must be one of empty, repeat, truncate, off_topic (was '" + value + "')");
        }
    }
}
