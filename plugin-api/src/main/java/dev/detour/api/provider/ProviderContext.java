package dev.detour.api.provider;

import dev.detour.api.Clock;
import io.vertx.core.Vertx;

import java.util.Map;

/**
 * What core hands a provider adapter factory for one configured provider.
 *
 * @param name    the provider's name under {@code providers:}
 * @param baseUrl the configured {@code base_url} without a trailing slash, or null for the adapter's default
 * @param apiKey  the credential, or null; never log it or put it in an exception message
 * @param region  the region label, or ""
 * @param headers extra request headers to send on every call
 * @param vertx   the gateway's Vert.x instance; create HTTP clients from it, never a new Vertx
 * @param clock   the time source
 */
public record ProviderContext(String name, String baseUrl, String apiKey, String region, Map<String, String> headers,
                              Vertx vertx, Clock clock) {
    public ProviderContext {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        region = region == null ? "" : region;
    }

    /** {@link #baseUrl()} or the given default, without a trailing slash. */
    public String baseUrlOr(String defaultUrl) {
        String u = baseUrl == null || baseUrl.isEmpty() ? defaultUrl : baseUrl;
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }
}
