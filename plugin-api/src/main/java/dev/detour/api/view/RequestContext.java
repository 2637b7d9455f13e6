package dev.detour.api.view;

import java.util.Map;

/**
 * What a plugin may know about the request being served.
 *
 * @param requestId       the request id (echoed as {@code x-request-id})
 * @param route           the route name, or {@code provider/model} for a direct call
 * @param preferredRegion the client's {@code x-detour-region}, or null
 * @param gatewayRegion   the gateway's own region ({@code server.region}), or null
 * @param priority        {@code high}, {@code normal} or {@code low}
 * @param metadata        the client's {@code x-detour-metadata}, flattened to strings
 * @param keyName         the virtual key's name, or null when unauthenticated
 * @param stream          whether the client asked for a stream
 * @param inbound         which API was called: {@code openai} (chat completions, embeddings), {@code anthropic} (messages) or {@code responses}
 * @param headers         the request headers the route lets plugins read ({@code request_headers:
 *                        [x-tenant]} in its config), names in lower case, each present one with its
 *                        first value; empty when the route lists none. Credentials
 *                        ({@code Authorization}, {@code x-api-key}, cookies) are never among them.
 */
public record RequestContext(String requestId, String route, String preferredRegion, String gatewayRegion,
                             String priority, Map<String, String> metadata, String keyName, boolean stream,
                             String inbound, Map<String, String> headers) {
    public RequestContext {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        priority = priority == null ? "normal" : priority;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A context without request headers (a route that lists none, or a test). */
    public RequestContext(String requestId, String route, String preferredRegion, String gatewayRegion,
                          String priority, Map<String, String> metadata, String keyName, boolean stream,
                          String inbound) {
        this(requestId, route, preferredRegion, gatewayRegion, priority, metadata, keyName, stream, inbound, Map.of());
    }

    /**
     * A request header the route lets plugins read, by name in any case, or null when the client
     * did not send it or the route does not list it.
     */
    public String header(String name) {
        return headers.isEmpty() ? null : headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
