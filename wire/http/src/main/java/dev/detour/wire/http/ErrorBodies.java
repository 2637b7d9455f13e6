package dev.detour.wire.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * Lenient reading of the body of an HTTP error answer, for provider error classifiers: providers
 * answer errors with their JSON error object, but proxies and load balancers in front of them
 * answer with HTML or plain text, and a classifier must never fail while reading either.
 * Stateless and thread-safe.
 */
public final class ErrorBodies {

    /** The usual length of {@link #excerpt(Buffer, int)} in a failure message. */
    public static final int EXCERPT = 200;

    private ErrorBodies() {
    }

    /** The body as a JSON object, or null when it is absent, empty, not JSON, or JSON but not an object. */
    public static JsonNode jsonObject(Buffer body) {
        if (body == null || body.length() == 0) {
            return null;
        }
        try {
            JsonNode n = WireJson.MAPPER.readTree(body.getBytes());
            return n != null && n.isObject() ? n : null;
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }

    /**
     * A short, single-line excerpt of the body for a failure message (an HTML page from a proxy, or
     * plain text): whitespace runs collapsed to one space, cut to {@code max} characters followed
     * by {@code ...}; {@code ""} for no body.
     */
    public static String excerpt(Buffer body, int max) {
        if (body == null) {
            return "";
        }
        String s = body.toString().replaceAll("\\s+", " ").trim();
        return s.length() > max ? s.substring(0, max) + "..." : s;
    }
}
