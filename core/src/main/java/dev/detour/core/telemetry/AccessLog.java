package dev.detour.core.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The access log ({@code telemetry.access_log}): one line per request, whatever its status, on the
 * process's standard output — its own stream, apart from the diagnostic log on standard error — or
 * appended to {@code telemetry.access_log_file}.
 * {@code json} lines are objects written by a JSON generator (every string escaped, so no client
 * value can add a field or a line); {@code text} lines are space-separated with every value
 * escaped the same way. The event loop only formats a line and offers it to a bounded queue; a
 * daemon thread writes it, so a slow terminal or pipe never blocks a request. When the queue is
 * full the line is dropped and counted ({@code detour_access_log_dropped_total}).
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final int QUEUE = 65_536;
    private static final String STOP = new String("stop");

    /**
     * What one line says. Null fields are left out, and so are unknown numbers: tokens below 0
     * (the upstream reported none), a cost below 0 (no pricing known for the target), a TTFT
     * below 0 (not a stream, or none started).
     */
    public record Entry(long epochMillis, String requestId, String method, String path, int status, String route,
                        String target, String attempts, boolean failover, String key, long latencyMs, String code,
                        int resumes, String resumedOn, String cache, int inputTokens, int outputTokens, double costUsd,
                        long ttftMs) {

        /** An entry without cache, tokens, cost or TTFT. */
        public Entry(long epochMillis, String requestId, String method, String path, int status, String route,
                     String target, String attempts, boolean failover, String key, long latencyMs, String code,
                     int resumes, String resumedOn) {
            this(epochMillis, requestId, method, path, status, route, target, attempts, failover, key, latencyMs, code,
                    resumes, resumedOn, null, -1, -1, -1, -1);
        }

        /** An entry of a request whose stream was never resumed. */
        public Entry(long epochMillis, String requestId, String method, String path, int status, String route,
                     String target, String attempts, boolean failover, String key, long latencyMs, String code) {
            this(epochMillis, requestId, method, path, status, route, target, attempts, failover, key, latencyMs, code,
                    0, null);
        }
    }

    private final String mode;
    private final BlockingQueue<String> queue;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();

    /**
     * The access log {@code mode} asks for, appended to {@code file} (created when missing), or on
     * standard output when {@code file} is null. The file is closed with the log.
     *
     * @throws IOException when the file cannot be opened for appending
     */
    public static AccessLog open(String mode, Path file) throws IOException {
        if (file == null || mode.equals("off")) {
            return new AccessLog(mode, System.out);
        }
        // Appending (O_APPEND): a rotation by copy-and-truncate leaves no hole of zero bytes.
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024);
        return new AccessLog(mode, out, true);
    }

    /** @param mode {@code json}, {@code text} or {@code off}; @param out where lines go (left open) */
    public AccessLog(String mode, OutputStream out) {
        this(mode, out, false);
    }

    private AccessLog(String mode, OutputStream out, boolean owned) {
        this.mode = mode;
        if (mode.equals("off")) {
            queue = null;
            writer = null;
            return;
        }
        queue = new ArrayBlockingQueue<>(QUEUE);
        PrintStream ps = out instanceof PrintStream p ? p : new PrintStream(out, false, StandardCharsets.UTF_8);
        writer = new Thread(() -> drain(ps, owned), "detour-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Whether lines are written at all. */
    public boolean enabled() {
        return queue != null;
    }

    /** Lines dropped because the writer could not keep up. */
    public long dropped() {
        return dropped.get();
    }

    /** Formats and queues one line; never blocks. */
    public void log(Entry e) {
        if (queue == null) {
            return;
        }
        if (!queue.offer(mode.equals("json") ? json(e) : text(e))) {
            dropped.incrementAndGet();
        }
    }

    static String json(Entry e) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(e.epochMillis()).toString());
            g.writeStringField("request_id", e.requestId());
            g.writeStringField("method", e.method());
            g.writeStringField("path", e.path());
            g.writeNumberField("status", e.status());
            field(g, "route", e.route());
            field(g, "target", e.target());
            if (e.attempts() != null) {
                try {
                    g.writeNumberField("attempts", Integer.parseInt(e.attempts()));
                } catch (NumberFormatException ignored) {
                    // Only our own header values reach here; a non-number is left out rather than guessed.
                }
            }
            g.writeBooleanField("failover", e.failover());
            if (e.resumes() > 0) {
                g.writeNumberField("resumes", e.resumes());
                field(g, "resumed_on", e.resumedOn());
            }
            field(g, "cache", e.cache());
            if (e.inputTokens() >= 0) {
                g.writeNumberField("input_tokens", e.inputTokens());
            }
            if (e.outputTokens() >= 0) {
                g.writeNumberField("output_tokens", e.outputTokens());
            }
            if (e.costUsd() >= 0) {
                g.writeFieldName("cost_usd");
                g.writeNumber(dev.detour.core.spend.Pricing.format(e.costUsd()));   // a plain decimal, never 1.0E-5
            }
            field(g, "key", e.key());
            field(g, "code", e.code());
            g.writeNumberField("latency_ms", e.latencyMs());
            if (e.ttftMs() >= 0) {
                g.writeNumberField("ttft_ms", e.ttftMs());
            }
            g.writeEndObject();
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return w.toString();
    }

    private static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    static String text(Entry e) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(Instant.ofEpochMilli(e.epochMillis())).append(' ');
        escape(sb, e.requestId()).append(' ').append(e.method()).append(' ');
        escape(sb, e.path()).append(' ').append(e.status()).append(' ');
        escape(sb, e.route() == null ? "-" : e.route()).append(' ');
        escape(sb, e.target() == null ? "-" : e.target());
        sb.append(" attempts=").append(e.attempts() == null ? "0" : e.attempts()).append(" failover=").append(e.failover());
        if (e.resumes() > 0) {
            escape(sb.append(" resumes=").append(e.resumes()).append(" resumed_on="), e.resumedOn());
        }
        if (e.cache() != null) {
            escape(sb.append(" cache="), e.cache());
        }
        if (e.inputTokens() >= 0 || e.outputTokens() >= 0) {
            sb.append(" tokens=").append(Math.max(0, e.inputTokens())).append('/').append(Math.max(0, e.outputTokens()));
        }
        if (e.costUsd() >= 0) {
            sb.append(" cost_usd=").append(dev.detour.core.spend.Pricing.format(e.costUsd()));
        }
        if (e.key() != null) {
            escape(sb.append(" key="), e.key());
        }
        if (e.code() != null) {
            escape(sb.append(" code="), e.code());
        }
        if (e.ttftMs() >= 0) {
            sb.append(" ttft=").append(e.ttftMs()).append("ms");
        }
        return sb.append(' ').append(e.latencyMs()).append("ms").toString();
    }

    /** Appends {@code s} with control characters, spaces, quotes and backslashes escaped as {@code \\uXXXX}. */
    private static StringBuilder escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f || Character.isISOControl(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb;
    }

    private void drain(PrintStream out, boolean owned) {
        try {
            while (true) {
                String line = queue.take();
                if (line == STOP) {
                    if (owned) {
                        out.close();
                    } else {
                        out.flush();
                    }
                    return;
                }
                out.println(line);
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("access log writer stopped", e);
        }
    }

    /** Writes what is queued (waiting up to two seconds) and stops the writer. */
    @Override
    public void close() {
        if (writer == null) {
            return;
        }
        try {
            if (queue.offer(STOP, 2, TimeUnit.SECONDS)) {
                writer.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Prometheus lines. */
    public void render(StringBuilder sb) {
        sb.append("# HELP detour_access_log_dropped_total Access log lines dropped: the writer could not keep up.\n")
                .append("# TYPE detour_access_log_dropped_total counter\n")
                .append("detour_access_log_dropped_total ").append(dropped.get()).append('\n');
    }
}
