package dev.detour.plugin.azure;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The resource endpoint parsed once, and the deployment-scoped request URIs built from it.
 *
 * @param host       host name or IP literal (without brackets)
 * @param port       the port, defaulted from the scheme
 * @param ssl        whether the scheme is https
 * @param pathPrefix the base URL's path without a trailing slash ("" for the root)
 * @param apiVersion the {@code api-version}, already URL-encoded
 */
record AzureEndpoint(String host, int port, boolean ssl, String pathPrefix, String apiVersion) {

    /** @throws IllegalArgumentException naming the bad URL when it is not an absolute http(s) URL */
    static AzureEndpoint parse(String baseUrl, String apiVersion) {
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
            throw new IllegalArgumentException("base_url must not contain user info; use api_key");
        }
        if (uri.getRawQuery() != null) {
            // The adapter owns the query: api-version comes from options.api_version.
            throw new IllegalArgumentException("base_url must not carry a query; set options.api_version instead");
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
        return new AzureEndpoint(host, port, ssl, path, URLEncoder.encode(apiVersion, StandardCharsets.UTF_8));
    }

    /** {@code {prefix}/openai/deployments/{deployment}{operation}?api-version=...}. */
    String uri(String deployment, String operation) {
        // Deployment names are [A-Za-z0-9_.-], but a model name used as a fallback may hold '/' or ':'.
        String dep = URLEncoder.encode(deployment, StandardCharsets.UTF_8).replace("+", "%20");
        return pathPrefix + "/openai/deployments/" + dep + operation + "?api-version=" + apiVersion;
    }

    /** Whether the host is an IP literal (SNI must not carry one). */
    boolean hostIsIpLiteral() {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }
}
