package dev.detour.core.net;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.ProxyOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EgressTest {

    /** A provider's {@code base_url} and {@code proxy:}, without TLS files. */
    record Provider(String baseUrl, String proxy) {
    }

    static Provider provider(String baseUrl, String proxy) {
        return new Provider(baseUrl, proxy);
    }

    static HttpClientOptions applied(Provider p, Map<String, String> env) throws Exception {
        return Egress.of(p.baseUrl(), null, null, null, p.proxy(), Egress.Environment.of(env::get))
                .apply(new HttpClientOptions().setVerifyHost(false));
    }

    @Test
    void parses_a_proxy_url_with_credentials() {
        ProxyOptions o = Egress.proxy("http://us%40er:p%3Ass@proxy.corp:3128", "proxy");
        assertEquals("proxy.corp", o.getHost());
        assertEquals(3128, o.getPort());
        assertEquals("us@er", o.getUsername());
        assertEquals("p:ss", o.getPassword());
        ProxyOptions bare = Egress.proxy("10.0.0.5:8080", "proxy");
        assertEquals("10.0.0.5", bare.getHost());
        assertEquals(8080, bare.getPort());
        assertEquals(80, Egress.proxy("http://proxy.corp", "proxy").getPort());
    }

    @Test
    void refuses_what_is_not_an_http_proxy_without_echoing_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Egress.proxy("https://u:hunter2@proxy:443", "environment variable HTTPS_PROXY"));
        assertTrue(e.getMessage().startsWith("environment variable HTTPS_PROXY: a https:// proxy is not supported"),
                e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        e = assertThrows(IllegalArgumentException.class, () -> Egress.proxy("http://u:hunter2@proxy:3128/path", "proxy"));
        assertFalse(e.getMessage().contains("hunter2"));
    }

    @Test
    void reads_no_proxy_as_curl_does() {
        assertEquals(List.of("localhost", "*.localhost", "example.com", "*.example.com", "10.0.0.1", "corp", "*.corp",
                "::1"), Egress.noProxy("localhost, .example.com,10.0.0.1:8080 *.corp,[::1]:80"));
        assertNull(Egress.noProxy("internal,*"), "* sends everything direct");
        assertEquals(List.of(), Egress.noProxy(null));
    }

    @Test
    void takes_the_environments_proxy_for_the_base_urls_scheme() throws Exception {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://secure:1", "HTTP_PROXY", "http://plain:2",
                "NO_PROXY", "localhost");
        HttpClientOptions https = applied(provider(null, null), env);
        assertEquals("secure", https.getProxyOptions().getHost(), "no base_url: the adapters' https default");
        assertEquals(List.of("localhost", "*.localhost"), https.getNonProxyHosts());
        assertEquals("plain", applied(provider("http://vllm:8000/v1", null), env).getProxyOptions().getHost());
        assertEquals("lower", applied(provider("https://x", null), Map.of("HTTPS_PROXY", "http://upper:1",
                "https_proxy", "http://lower:1")).getProxyOptions().getHost(), "the lower-case variable wins");
    }

    @Test
    void an_explicit_proxy_or_none_wins_over_the_environment() throws Exception {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://secure:1", "NO_PROXY", "*");
        HttpClientOptions explicit = applied(provider("https://api.example", "http://mine:3128"), env);
        assertEquals("mine", explicit.getProxyOptions().getHost());
        assertNull(explicit.getNonProxyHosts(), "NO_PROXY is for the environment's proxy");
        assertNull(applied(provider("https://api.example", "none"), Map.of("HTTPS_PROXY", "http://secure:1"))
                .getProxyOptions());
        assertNull(applied(provider("https://api.example", null), env).getProxyOptions(), "NO_PROXY=* goes direct");
    }

    @Test
    void host_verification_is_always_on() throws Exception {
        assertSame(Egress.DIRECT, Egress.of(null, null, null, null, null, Egress.Environment.NONE));
        HttpClientOptions o = applied(provider(null, null), Map.of());
        assertTrue(o.isVerifyHost());
        assertFalse(o.isTrustAll());
    }

    @Test
    void a_bad_proxy_variable_names_the_variable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> applied(provider(null, null), Map.of("HTTPS_PROXY", "socks5://proxy:1080")));
        assertTrue(e.getMessage().startsWith("environment variable HTTPS_PROXY: a socks5:// proxy is not supported"),
                e.getMessage());
    }
}
