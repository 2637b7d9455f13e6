package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One provider wire format spoken by the simulator: it parses that provider's chat request into a
 * {@link SimPrompt} and writes generated {@link SimAnswer}s and errors in that provider's shapes.
 * Everything else (faults, timing, streaming, statistics) is shared by the server, so each format
 * is pure translation. Implementations are stateless.
 */
interface SimFormat {

    /**
     * Where and how a chat call was made.
     *
     * @param endpoint  the endpoint name
     * @param pathModel the model named in the path (Gemini), else null
     * @param streamPath whether the path itself asks for a stream (Gemini {@code :streamGenerateContent})
     * @param sse        whether the query asks for server-sent events (Gemini {@code alt=sse})
     */
    record SimCall(String endpoint, String pathModel, boolean streamPath, boolean sse) {
    }

    /** Parses a chat request; a body that breaks the provider's schema is a {@link SimRequestException}. */
    SimPrompt parse(SimCall call, JsonNode body);

    /** The whole (non-streamed) answer body. */
    JsonNode body(SimPrompt p, List<SimAnswer> answers);

    /** The stream, as the exact text of each event, in order (a cut stream stops between two of them). */
    List<String> frames(SimPrompt p, List<SimAnswer> answers);

    /** An error body for {@code status}, in the provider's shape. */
    JsonNode error(int status, String message);

    /** An error body for a rejected request, naming the offending field where the shape has room for it. */
    default JsonNode error(int status, String message, String field) {
        return error(status, message);
    }

    /** One server-sent event, with an {@code event:} line when {@code event} is not null. */
    static String sse(String event, JsonNode data) {
        return (event == null ? "" : "event: " + event + "\n") + "data: " + data.toString() + "\n\n";
    }

    /** A message for a simulated error status, naming the status so logs are self-explanatory. */
    static String faultMessage(int status, String endpoint) {
        String what;
        switch (status) {
            case 400: what = "Bad request"; break;
            case 401: what = "Invalid API key"; break;
            case 403: what = "Permission denied"; break;
            case 404: what = "Model not found"; break;
            case 408: what = "Request timed out"; break;
            case 413: what = "Request too large"; break;
            case 429: what = "Rate limit exceeded"; break;
            case 500: what = "Internal server error"; break;
            case 502: what = "Bad gateway"; break;
            case 503: what = "The service is temporarily unavailable"; break;
            case 504: what = "Gateway timeout"; break;
            case 529: what = "Overloaded"; break;
            default: what = "Error"; break;
        }
        return what + " (simulated fault " + status + " on '" + endpoint + "')";
    }
}
