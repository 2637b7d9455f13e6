package dev.detour.wire.http;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * Incremental decoder of {@code text/event-stream} (the WHATWG server-sent events format): feed it
 * network buffers as they arrive, split anywhere, and it calls back once per complete event with
 * the event's type ({@code "message"} when the stream gave none) and its data (multi-line data
 * joined with {@code \n}). Comment lines and {@code id:}/{@code retry:} fields are ignored. Lines
 * may end in LF, CR LF or CR. A line or an event longer than the bound (by default
 * {@link #MAX_EVENT_BYTES}) makes {@link #feed} throw a {@link ProviderException} of kind
 * {@link ErrorKind#SERVER_ERROR}: the stream is broken and the decoder must not be fed again.
 * Not thread-safe: use one per stream, on its event loop.
 */
public final class SseDecoder {
    /**
     * The longest line, and the most data in one event, an upstream may send (8 MiB): far above
     * any real chunk (a whole tool call's arguments included), small enough that an upstream that
     * never sends a newline cannot grow the buffer without bound.
     */
    public static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;
    private static final byte[] EMPTY = new byte[0];
    /** A line buffer grown past this by one long line is dropped once the line is done. */
    private static final int KEEP = 64 * 1024;

    private final BiConsumer<String, String> onEvent;
    /** The event's data: its first line as it is, later lines joined in {@link #more}. */
    private String firstData;
    private StringBuilder more;
    private String event;
    private boolean lastWasCr;
    private byte[] pending = EMPTY;
    private int pendingLength;
    /** Bytes of data lines in the event being read, to bound it as a whole. */
    private int dataBytes;
    private final int maxLine;

    /** @param onEvent receives (event type, data) for every dispatched event; events bounded by {@link #MAX_EVENT_BYTES} */
    public SseDecoder(BiConsumer<String, String> onEvent) {
        this(onEvent, MAX_EVENT_BYTES);
    }

    /**
     * @param onEvent  receives (event type, data) for every dispatched event
     * @param maxBytes the longest line, and the most data in one event, accepted (see {@link #feed(byte[])})
     */
    public SseDecoder(BiConsumer<String, String> onEvent, int maxBytes) {
        this.onEvent = onEvent;
        this.maxLine = maxBytes;
    }

    /** Feeds the next bytes of the stream. */
    public void feed(Buffer buffer) {
        feed(buffer.getBytes());
    }

    /** Feeds the next bytes of the stream. */
    public void feed(byte[] bytes) {
        byte[] all = bytes;
        int length = bytes.length;
        if (pendingLength > 0) {
            // Only a line split across reads gets here; the buffer grows by doubling, never per read.
            if (pendingLength + length > pending.length) {
                pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + length));
            }
            System.arraycopy(bytes, 0, pending, pendingLength, length);
            all = pending;
            length += pendingLength;
        }
        int start = 0;
        // cr: the line that ended at start - 1 ended with CR, so an LF right at start belongs to it.
        boolean cr = lastWasCr;
        for (int i = 0; i < length; i++) {
            byte b = all[i];
            if (b > '\r') {
                continue;   // most bytes: one comparison (UTF-8 continuation bytes are negative and fall through)
            }
            if (b == '\n' && cr && i == start) {
                cr = false;
                start = i + 1;
            } else if (b == '\n' || b == '\r') {
                cr = b == '\r';
                processLine(all, start, i);
                start = i + 1;
            }
        }
        lastWasCr = cr && start == length;
        // Keep the unterminated tail as bytes so a multi-byte character split across buffers survives.
        int rest = length - start;
        if (rest > maxLine) {
            pending = EMPTY;
            pendingLength = 0;
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200,
                    "upstream sent an event line longer than " + maxLine + " bytes");
        }
        if (rest == 0) {
            pendingLength = 0;
            if (pending.length > KEEP) {
                pending = EMPTY;
            }
        } else if (all == pending) {
            System.arraycopy(all, start, pending, 0, rest);
            pendingLength = rest;
        } else {
            if (pending.length < rest) {
                pending = new byte[Math.max(rest, 256)];
            }
            System.arraycopy(all, start, pending, 0, rest);
            pendingLength = rest;
        }
        if (dataBytes > maxLine) {
            firstData = null;
            more = null;
            dataBytes = 0;
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200,
                    "upstream sent an event larger than " + maxLine + " bytes");
        }
    }

    /** Dispatches a final event that was not followed by a blank line (lenient end of stream). */
    public void end() {
        if (pendingLength > 0) {
            byte[] last = Arrays.copyOf(pending, pendingLength);
            pendingLength = 0;
            processLine(last, 0, last.length);
        }
        dispatch();
    }

    /** One line, bytes {@code [from, to)} of {@code b} without its end of line; decoded only where needed. */
    private void processLine(byte[] b, int from, int to) {
        if (from == to) {
            dispatch();
            return;
        }
        if (b[from] == ':') {
            return;
        }
        int colon = from;
        while (colon < to && b[colon] != ':') {
            colon++;
        }
        int value = colon < to ? colon + 1 : to;
        if (value < to && b[value] == ' ') {
            value++;
        }
        if (Bytes.is(b, from, colon, "data")) {
            dataBytes += to - value + 1;
            String v = new String(b, value, to - value, StandardCharsets.UTF_8);
            if (firstData == null) {
                firstData = v;
            } else {
                if (more == null) {
                    more = new StringBuilder(firstData.length() + v.length() + 16).append(firstData);
                }
                more.append('\n').append(v);
            }
        } else if (Bytes.is(b, from, colon, "event")) {
            event = new String(b, value, to - value, StandardCharsets.UTF_8);
        }
    }

    private void dispatch() {
        if (firstData != null) {
            String data = more != null ? more.toString() : firstData;
            onEvent.accept(event == null || event.isEmpty() ? "message" : event, data);
        }
        firstData = null;
        more = null;
        event = null;
        dataBytes = 0;
    }
}
