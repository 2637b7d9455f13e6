package dev.detour.wire.http;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * An upstream base URL ({@code base_url}), parsed and validated once when the adapter is created
 * so the hot path never parses URLs, plus the HTTP client settings every HTTP/1.1 adapter uses.
 *
 * <pre>{@code
 * HttpEndpoint endpoint = HttpEndpoint.parse(ctx.baseUrlOr("https://api.example.com/v1"));
 * HttpClient client = ctx.vertx().createHttpClient(
 *         ctx.clientOptions(endpoint.clientOptions("detour-example-" + ctx.name())),
 *         new PoolOptions().setHttp1MaxSize(64));
 * RequestOptions post = HttpExchange.post(endpoint, endpoint.uri("/chat/completions"), call);
 * }</pre>
 *
 * @param host       the host name or IP literal, IPv6 without brackets (what a socket wants)
 * @param port       the port, defaulted from the scheme (443 / 80)
 * @param ssl        whether the scheme is https
 * @param pathPrefix the base URL's raw path without trailing slashes ({@code ""} for the root),
 *                   e.g. {@code /v1}
 * @param query      the base URL's raw query without {@code ?}, or null; {@link #uri(String)} appends
 *                   it to every request (Azure-style {@code ?api-version=...} deployments)
 */
public record HttpEndpoint(String host, int port, boolean ssl, String pathPrefix, String query) {

    /**
     * Parses an absolute http(s) URL.
     *
     * @throws IllegalArgumentException naming the URL when it is not an absolute http(s) URL with a
     *         host, or when it carries user info (credentials in a URL end up in logs; the key
     *         belongs in {@code api_key}, and the message then omits the URL)
     */
    public static HttpEndpoint parse(String baseUrl) {
        URI uri;
        try {
            uri = new URI(baseUrl);
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("base_url is not a valid URL: '" + baseUrl + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("base_url must start with http:// or https:// (was '" + baseUrl + "')");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("base_url has no host: '" + baseUrl + "'");
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("base_url must not contain user info; use api_key");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        boolean ssl = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return new HttpEndpoint(host, port, ssl, path, uri.getRawQuery());
    }

    /** The request URI for {@code path} (e.g. {@code /chat/completions}): prefix, path, then the base query if any. */
    public String uri(String path) {
        String p = pathPrefix + path;
        return query == null || query.isEmpty() ? p : p + "?" + query;
    }

    /** {@code https} or {@code http}. */
    public String scheme() {
        return ssl ? "https" : "http";
    }

    /**
     * The {@code Host} header form of the endpoint: IPv6 literals bracketed, the port only when it
     * is not the scheme's default (what request signing, e.g. AWS SigV4, must cover).
     */
    public String authority() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == (ssl ? 443 : 80) ? h : h + ":" + port;
    }

    /** Whether the host is an IP literal (SNI must not carry one). */
    public boolean hostIsIpLiteral() {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /**
     * HTTP client options for this endpoint: HTTP/1.1 with keep-alive and no pipelining (one
     * in-flight call per connection, so a cancelled call can reset its connection without hurting
     * another), TCP_NODELAY for streamed tokens, TLS for https with SNI unless the host is an IP
     * literal (cloud front doors route by SNI). Pass them through
     * {@code ProviderContext.clientOptions} for the operator's CA, client certificate and proxy.
     *
     * @param name the client's name in Vert.x metrics, e.g. {@code detour-openai-<provider>}
     */
    public HttpClientOptions clientOptions(String name) {
        return new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setSsl(ssl)
                .setForceSni(ssl && !hostIsIpLiteral())
                .setName(name);
    }
}
