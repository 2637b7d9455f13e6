package dev.detour.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.ErrorBodies;
import dev.detour.wire.http.JsonFields;
import io.vertx.core.buffer.Buffer;

/**
 * OpenAI's error object, {@code {"error": {"message", "type", "param", "code"}}}, leniently read for
 * the classifiers of OpenAI-compatible providers. The variants met in the field are read too: the
 * error object at the top level (vLLM), {@code error} as a plain string, an integral {@code code}
 * or a {@code status} holding the HTTP status (vLLM, in-band errors), and Azure OpenAI's
 * {@code innererror} ({@code inner_error} behind some gateways) with its {@code code} and content
 * filter result. A body that is not a JSON object yields no fields but an excerpt.
 *
 * @param message             {@code error.message} (or {@code error} itself when it is a string), or null
 * @param type                {@code error.type}, or null
 * @param code                {@code error.code} when it is not an integer, or null
 * @param status              the HTTP status the error states ({@code code} when it is an integer, else
 *                            an integral {@code status}), or 0
 * @param innerCode           {@code innererror.code}, or null
 * @param contentFilterResult whether {@code innererror} holds a {@code content_filter_result(s)}
 * @param excerpt             when there is no message, a short excerpt of the body ({@link ErrorBodies#excerpt}),
 *                            else {@code ""}
 */
public record OpenAiErrorBody(String message, String type, String code, int status, String innerCode,
                              boolean contentFilterResult, String excerpt) {

    private static final OpenAiErrorBody EMPTY = new OpenAiErrorBody(null, null, null, 0, null, false, "");

    /** Reads the body of an error answer; never fails, whatever the body holds. */
    public static OpenAiErrorBody parse(Buffer body) {
        JsonNode node = ErrorBodies.jsonObject(body);
        OpenAiErrorBody e = node != null ? of(node) : EMPTY;
        if (e.message == null) {
            return new OpenAiErrorBody(null, e.type, e.code, e.status, e.innerCode, e.contentFilterResult,
                    ErrorBodies.excerpt(body, ErrorBodies.EXCERPT));
        }
        return e;
    }

    /** Reads an error from a JSON object: a whole error body, or an error event of a stream. */
    public static OpenAiErrorBody of(JsonNode root) {
        String message = null;
        JsonNode err = root.get("error");
        if (err != null && err.isTextual()) {
            message = err.asText();
            err = root;
        } else if (err == null || !err.isObject()) {
            // Some compatible servers answer with the error object at the top level.
            err = root;
        }
        if (message == null) {
            message = JsonFields.optText(err, "message");
        }
        String code = null;
        int status = 0;
        JsonNode codeNode = err.get("code");
        if (codeNode != null && codeNode.isIntegralNumber()) {
            status = codeNode.asInt();
        } else {
            code = JsonFields.optText(err, "code");
        }
        JsonNode statusNode = err.get("status");
        if (status == 0 && statusNode != null && statusNode.isIntegralNumber()) {
            status = statusNode.asInt();
        }
        String innerCode = null;
        boolean filterResult = false;
        JsonNode inner = err.has("innererror") ? err.get("innererror") : err.get("inner_error");
        if (inner != null && inner.isObject()) {
            innerCode = JsonFields.optText(inner, "code");
            filterResult = inner.has("content_filter_result") || inner.has("content_filter_results");
        }
        return new OpenAiErrorBody(message, JsonFields.optText(err, "type"), code, status, innerCode, filterResult, "");
    }

    /** The message, else {@code HTTP <status>} with the excerpt: what a failure message quotes. */
    public String describe(int httpStatus) {
        return message != null ? message : "HTTP " + httpStatus + (excerpt.isEmpty() ? "" : ": " + excerpt);
    }
}
