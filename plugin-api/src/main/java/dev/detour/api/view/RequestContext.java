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
 * @param inbound         which API was called: {@code openai} or {@code anthropic}
 */
public record RequestContext(String requestId, String route, String preferredRegion, String gatewayRegion,
                             String priority, Map<String, String> metadata, String keyName, boolean stream,
                             String inbound) {
    public RequestContext {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        priority = priority == null ? "normal" : priority;
    }
}
