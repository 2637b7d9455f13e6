package dev.detour.plugin.openai;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A base URL parsed once into what each request needs, so the hot path never parses URLs.
 *
 * @param host       the host name or IP literal (without brackets)
 * @param port       the port, defaulted from the scheme
 * @param ssl        whether the scheme is https
 * @param pathPrefix the path without a trailing slash ("" for the root), e.g. {@code /v1}
 * @param query      the base URL's query string without {@code ?}, or null; appended to every
 *                   request (Azure-style {@code ?api-version=...} deployments)
 */
record OpenAiEndpoint(String host, int port, boolean ssl, String pathPrefix, String query) {

    /** @throws IllegalArgumentException naming the bad URL when it is not an absolute http(s) URL */
    static OpenAiEndpoint parse(String baseUrl) {
        URI uri;
        try {
            uri = new URI(baseUrl);
        } catch (URISyntaxException e) {
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
            // Credentials in a URL end up in logs; the key belongs in api_key.
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
        return new OpenAiEndpoint(host, port, ssl, path, uri.getRawQuery());
    }

    /** The request URI for an operation such as {@code /chat/completions}. */
    String uri(String operation) {
        String p = pathPrefix + operation;
        return query == null || query.isEmpty() ? p : p + "?" + query;
    }

    /** Whether the host is an IP literal (SNI must not carry one). */
    boolean hostIsIpLiteral() {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }
}
