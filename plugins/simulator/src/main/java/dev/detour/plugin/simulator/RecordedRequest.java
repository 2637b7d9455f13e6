package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A call as the simulator received it, so tests can assert what a gateway adapter actually sent
 * (path, headers, translated body). Kept in memory only and never served over HTTP, because its
 * headers may hold credentials.
 *
 * @param method  the HTTP method
 * @param uri     the path and query, as sent
 * @param headers the request headers, names in lower case, in order of appearance
 * @param body    the body as JSON, or null when it was empty, not JSON, or never read ({@code down})
 */
public record RecordedRequest(String method, String uri, Map<String, List<String>> headers, JsonNode body) {

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    /** The first value of a header (case-insensitive), if present. */
    public Optional<String> header(String name) {
        List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }
}
