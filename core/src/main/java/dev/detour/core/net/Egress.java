package dev.detour.core.net;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import io.vertx.core.net.TrustOptions;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * How one provider's HTTP clients reach it (CONFIG.md {@code providers.*.tls} and
 * {@code providers.*.proxy}): the CA its certificates must chain to, the client certificate it
 * asks for, and the egress proxy. Handed to adapters through
 * {@code ProviderContext.clientOptions}, so every adapter gets the same transport whatever client
 * options it starts from. Host verification is always on: no setting turns it off, and an adapter
 * that turned it off gets it back.
 *
 * <p>The proxy is the provider's {@code proxy:} when set ({@code none}: never a proxy), else the
 * environment's {@code HTTPS_PROXY} (for an https {@code base_url}, or none, as every bundled
 * adapter's default is https) or {@code HTTP_PROXY} (for an http one), lower-case names first, with
 * {@code NO_PROXY}'s hosts going direct. The environment is read once, when the gateway is built.
 * Immutable and thread-safe once built.
 */
public final class Egress implements UnaryOperator<HttpClientOptions> {
    /** No TLS settings, no proxy: what an adapter built without core gets. */
    public static final Egress DIRECT = new Egress(null, null, null, null);

    /** A provider's {@code proxy:} that goes direct whatever the environment's proxy variables say. */
    public static final String NO_PROXY = "none";

    private final TrustOptions trust;
    private final KeyCertOptions identity;
    private final ProxyOptions proxy;
    private final List<String> nonProxyHosts;

    private Egress(TrustOptions trust, KeyCertOptions identity, ProxyOptions proxy, List<String> nonProxyHosts) {
        this.trust = trust;
        this.identity = identity;
        this.proxy = proxy;
        this.nonProxyHosts = nonProxyHosts;
    }

    /**
     * The proxy variables of an environment ({@code HTTPS_PROXY}, {@code HTTP_PROXY},
     * {@code NO_PROXY}, each also in lower case, which wins as with curl); blank means unset.
     */
    public record Environment(String httpsProxy, String httpProxy, String noProxy) {
        /** No proxy variables set. */
        public static final Environment NONE = new Environment(null, null, null);

        /** The variables as {@code env} gives them. */
        public static Environment of(Function<String, String> env) {
            return new Environment(first(env, "https_proxy", "HTTPS_PROXY"), first(env, "http_proxy", "HTTP_PROXY"),
                    first(env, "no_proxy", "NO_PROXY"));
        }

        private static String first(Function<String, String> env, String lower, String upper) {
            String v = env.apply(lower);
            if (v == null || v.isBlank()) {
                v = env.apply(upper);
            }
            return v == null || v.isBlank() ? null : v.trim();
        }
    }

    /**
     * The transport of a provider ({@code providers.*.tls} and {@code proxy}): reads its TLS files now.
     *
     * @param baseUrl  its {@code base_url} (its scheme picks HTTPS_PROXY or HTTP_PROXY), or null for https
     * @param ca       {@code tls.ca}, or null for the JVM's trusted CAs
     * @param cert     {@code tls.cert} (with {@code key}), or null for no client certificate
     * @param proxyUrl {@code proxy:}: a proxy URL, {@link #NO_PROXY}, or null for the environment's variables
     *
     * @throws Tls.FileProblem          when a TLS file cannot be used
     * @throws IllegalArgumentException when the proxy variable it would use is not a proxy URL (the
     *                                  message names the variable, never a password)
     */
    public static Egress of(String baseUrl, Path ca, Path cert, Path key, String proxyUrl, Environment env)
            throws Tls.FileProblem {
        TrustOptions trust = ca == null ? null : Tls.trust(ca);
        KeyCertOptions identity = cert == null ? null : Tls.identity(cert, key);
        ProxyOptions proxy = null;
        List<String> direct = null;
        if (proxyUrl != null) {
            proxy = proxyUrl.equals(NO_PROXY) ? null : proxy(proxyUrl, "proxy");
        } else {
            boolean https = baseUrl == null || baseUrl.regionMatches(true, 0, "https:", 0, 6);
            String value = https ? env.httpsProxy() : env.httpProxy();
            if (value != null) {
                direct = noProxy(env.noProxy());
                proxy = direct == null ? null : proxy(value, https ? "environment variable HTTPS_PROXY"
                        : "environment variable HTTP_PROXY");
            }
        }
        return trust == null && identity == null && proxy == null ? DIRECT
                : new Egress(trust, identity, proxy, direct == null || direct.isEmpty() ? null : direct);
    }

    /**
     * Applies this transport to {@code options} (and returns them): host verification on, the
     * trusted CA, the client certificate and the proxy, where configured.
     */
    @Override
    public HttpClientOptions apply(HttpClientOptions options) {
        options.setVerifyHost(true).setTrustAll(false);
        if (trust != null) {
            options.setTrustOptions(trust);
        }
        if (identity != null) {
            options.setKeyCertOptions(identity);
        }
        if (proxy != null) {
            options.setProxyOptions(new ProxyOptions(proxy));
            if (nonProxyHosts != null) {
                options.setNonProxyHosts(new ArrayList<>(nonProxyHosts));
            }
        }
        return options;
    }

    /** Whether calls go through a proxy (to hosts outside {@code NO_PROXY}). */
    public boolean proxied() {
        return proxy != null;
    }

    /**
     * Parses a proxy URL: {@code http://[user[:password]@]host[:port]}, or {@code host:port} (http
     * assumed, as curl does). The port defaults to 80.
     *
     * @param what names the setting in messages ({@code proxy}, {@code environment variable HTTPS_PROXY})
     * @throws IllegalArgumentException naming {@code what} and the problem, never the password
     */
    public static ProxyOptions proxy(String url, String what) {
        String u = url.contains("://") ? url : "http://" + url;
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + ": not a proxy URL (expected http://host:port)");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException(what + ": a " + scheme + ":// proxy is not supported (expected "
                    + "http://host:port; the tunnel to the provider is TLS end to end either way)");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException(what + ": the proxy URL has no host (expected http://host:port)");
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/") || uri.getRawQuery() != null) {
            throw new IllegalArgumentException(what + ": a proxy URL is only http://host:port (it has a path or query)");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        ProxyOptions o = new ProxyOptions().setType(ProxyType.HTTP).setHost(host)
                .setPort(uri.getPort() > 0 ? uri.getPort() : 80);
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            o.setUsername(decode(colon < 0 ? info : info.substring(0, colon)));
            if (colon >= 0) {
                o.setPassword(decode(info.substring(colon + 1)));
            }
        }
        return o;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * {@code NO_PROXY} as Vert.x's non-proxy host patterns: {@code example.com} and
     * {@code .example.com} cover the domain and its subdomains (as curl reads them), a port after
     * a host is ignored, IP addresses match themselves.
     *
     * @return the patterns (empty: none), or null when {@code *} sends everything direct
     */
    static List<String> noProxy(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String raw : value.split("[,\\s]+")) {
            String e = raw.trim().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.equals("*")) {
                return null;
            }
            if (e.startsWith("[")) {
                int close = e.indexOf(']');
                out.add(close > 0 ? e.substring(1, close) : e);
                continue;
            }
            int colon = e.indexOf(':');
            if (colon >= 0 && e.indexOf(':', colon + 1) < 0) {
                e = e.substring(0, colon); // host:port; a bare IPv6 address has more colons
            }
            if (e.startsWith("*.")) {
                e = e.substring(2);
            } else if (e.startsWith(".")) {
                e = e.substring(1);
            }
            if (e.isEmpty()) {
                continue;
            }
            out.add(e);
            boolean ip = e.indexOf(':') >= 0 || e.chars().allMatch(c -> c == '.' || Character.isDigit(c));
            if (!ip) {
                out.add("*." + e);
            }
        }
        return out;
    }
}
