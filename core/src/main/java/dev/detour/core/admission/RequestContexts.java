package dev.detour.core.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.view.RequestContext;
import dev.detour.wire.http.WireJson;
import io.vertx.core.MultiMap;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link RequestContext} plugins see from an admitted request: the client's
 * {@code x-detour-region}, {@code x-detour-priority} and {@code x-detour-metadata} headers, the
 * gateway's own region, the name of the virtual key that was presented, and the request headers
 * the route lists in {@code request_headers}.
 */
public final class RequestContexts {
    private RequestContexts() {
    }

    /**
     * The context of one request.
     *
     * @param headers       the request's headers
     * @param requestId     its id, or null (an admin view planning on a caller's behalf)
     * @param route         the route name, or {@code provider/model}
     * @param keyName       the virtual key's name, or null without keys
     * @param gatewayRegion {@code server.region}; empty for none
     * @param stream        whether the client asked for a stream
     * @param inbound       {@code openai}, {@code anthropic} or {@code responses}
     */
    public static RequestContext of(MultiMap headers, String requestId, String route, String keyName,
                                    String gatewayRegion, boolean stream, String inbound) {
        return of(headers, requestId, route, keyName, gatewayRegion, stream, inbound, List.of());
    }

    /**
     * The context of one request, with the request headers its route lets plugins read.
     *
     * @param allowed the route's {@code request_headers}, lower case (the loader refuses credentials)
     */
    public static RequestContext of(MultiMap headers, String requestId, String route, String keyName,
                                    String gatewayRegion, boolean stream, String inbound, List<String> allowed) {
        Map<String, String> metadata = Map.of();
        String md = headers.get("x-detour-metadata");
        if (md != null) {
            try {
                JsonNode n = WireJson.MAPPER.readTree(md);
                Map<String, String> m = new HashMap<>();
                n.properties().forEach(e -> m.put(e.getKey(), e.getValue().isValueNode()
                        ? e.getValue().asText() : e.getValue().toString()));
                metadata = m;
            } catch (JsonProcessingException ignored) {
                // Metadata is advisory; a malformed header is ignored rather than failing the request.
            }
        }
        String priority = headers.get("x-detour-priority");
        if (priority != null && !priority.equals("high") && !priority.equals("normal") && !priority.equals("low")) {
            priority = "normal";
        }
        Map<String, String> visible = Map.of();
        if (!allowed.isEmpty()) {
            visible = new HashMap<>(allowed.size() * 2);
            for (int i = 0; i < allowed.size(); i++) {
                String v = headers.get(allowed.get(i));
                if (v != null) {
                    visible.put(allowed.get(i), v);
                }
            }
        }
        return new RequestContext(requestId, route, headers.get("x-detour-region"),
                gatewayRegion.isEmpty() ? null : gatewayRegion, priority, metadata, keyName, stream, inbound, visible);
    }
}
