package dev.detour.api.provider;

import dev.detour.api.Clock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;

import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What core hands a provider adapter factory for one configured provider.
 *
 * @param name      the provider's name under {@code providers:}
 * @param baseUrl   the configured {@code base_url} without a trailing slash, or null for the adapter's default
 * @param apiKey    the credential, or null; never log it or put it in an exception message
 * @param region    the region label, or ""
 * @param headers   extra request headers to send on every call
 * @param vertx     the gateway's Vert.x instance; create HTTP clients from it, never a new Vertx
 * @param clock     the time source
 * @param transport applies the provider's configured transport to client options: see
 *                  {@link #clientOptions(HttpClientOptions)}; null means none configured
 */
public record ProviderContext(String name, String baseUrl, String apiKey, String region, Map<String, String> headers,
                              Vertx vertx, Clock clock, UnaryOperator<HttpClientOptions> transport) {
    public ProviderContext {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        region = region == null ? "" : region;
        transport = transport == null ? o -> o.setVerifyHost(true).setTrustAll(false) : transport;
    }

    /** A context with no transport settings (the JVM's trusted CAs, no client certificate, no proxy). */
    public ProviderContext(String name, String baseUrl, String apiKey, String region, Map<String, String> headers,
                           Vertx vertx, Clock clock) {
        this(name, baseUrl, apiKey, region, headers, vertx, clock, null);
    }

    /** {@link #baseUrl()} or the given default, without a trailing slash. */
    public String baseUrlOr(String defaultUrl) {
        String u = baseUrl == null || baseUrl.isEmpty() ? defaultUrl : baseUrl;
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    /**
     * {@code base} with the provider's transport applied (CONFIG.md {@code providers.*.tls} and
     * {@code proxy}): the CA its certificate must chain to, the client certificate it asks for, the
     * egress proxy, and host verification, which is always on. Every adapter creates its HTTP
     * clients from these options, so the operator's transport settings hold for every provider:
     *
     * <pre>{@code
     * HttpClient client = ctx.vertx().createHttpClient(
     *         ctx.clientOptions(new HttpClientOptions().setKeepAlive(true)), new PoolOptions().setHttp1MaxSize(64));
     * }</pre>
     *
     * Adapters set their own protocol settings (keep-alive, SSL for https, SNI) on {@code base}
     * and leave trust, key and proxy settings to this.
     *
     * @return {@code base}, changed in place
     */
    public HttpClientOptions clientOptions(HttpClientOptions base) {
        return transport.apply(base);
    }
}
