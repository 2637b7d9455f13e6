package dev.detour.core.config;

import dev.detour.core.net.TestCerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code server.tls}, {@code providers.*.tls} and {@code providers.*.proxy}. */
class TlsConfigTest {
    @TempDir
    static Path dir;
    static TestCerts.Pair ca;
    static TestCerts.Pair leaf;

    @BeforeAll
    static void certs() {
        TestCerts certs = new TestCerts(dir);
        ca = certs.ca("ca");
        leaf = certs.leaf(ca, "leaf");
    }

    static GatewayConfig load(String yaml) throws ConfigException {
        return ConfigLoader.validate(ConfigLoader.parse(dir.resolve("detour.yaml"), yaml, n -> null),
                ConfigLoaderTest.EXT);
    }

    static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml)).problems();
    }

    static final String ROUTES = """
            routes:
              r: { targets: [{ provider: p, model: m }] }
            """;

    @Test
    void reads_server_and_provider_tls_with_paths_relative_to_the_config() throws Exception {
        GatewayConfig c = load("""
                server:
                  tls: { cert: leaf.pem, key: leaf-key.pem, client_ca: ca.pem }
                providers:
                  p:
                    type: openai
                    base_url: https://vllm.internal/v1
                    tls: { ca: ca.pem, cert: leaf.pem, key: leaf-key.pem }
                    proxy: http://user:pw@proxy.corp:3128
                  q: { type: openai, proxy: none }
                """ + ROUTES);
        GatewayConfig.ServerTls tls = c.server().tls();
        assertEquals(leaf.cert(), tls.cert());
        assertEquals(ca.cert(), tls.clientCa());
        assertTrue(tls.clientAuthRequired(), "client_auth defaults to required with a client_ca");
        assertEquals(new GatewayConfig.ProviderTls(ca.cert(), leaf.cert(), leaf.key()), c.providers().get("p").tls());
        assertEquals("http://user:pw@proxy.corp:3128", c.providers().get("p").proxy());
        assertFalse(c.providers().get("p").toString().contains("pw"), "the proxy's password stays out of toString");
        assertEquals("none", c.providers().get("q").proxy());
        assertNull(c.providers().get("q").tls());
    }

    @Test
    void requested_client_auth_asks_without_requiring() throws Exception {
        GatewayConfig c = load("""
                server:
                  tls: { cert: leaf.pem, key: leaf-key.pem, client_ca: ca.pem, client_auth: requested }
                providers:
                  p: { type: openai }
                """ + ROUTES);
        assertFalse(c.server().tls().clientAuthRequired());
    }

    @Test
    void an_unusable_file_is_a_problem_naming_the_yaml_path_and_the_file() throws Exception {
        Path stranger = dir.resolve("stranger-key.pem");
        Files.copy(ca.key(), stranger, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<String> problems = problems("""
                server:
                  tls: { cert: leaf.pem, key: stranger-key.pem, client_ca: missing.pem, client_auth: always }
                providers:
                  p:
                    type: openai
                    tls: { ca: leaf-key.pem, cert: leaf.pem }
                    proxy: socks5://proxy:1080
                """ + ROUTES);
        assertEquals(List.of(
                "server.tls.client_auth: must be required (a client without a valid certificate is refused) or "
                        + "requested (was 'always')",
                "server.tls.key: " + stranger + ": this private key does not belong to the certificate in " + leaf.cert(),
                "server.tls.client_ca: " + dir.resolve("missing.pem") + ": no such file",
                "providers.p.tls.key: is required with cert: a client certificate goes with its private key",
                "providers.p.tls.ca: " + leaf.key() + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                "providers.p.proxy: a socks5:// proxy is not supported (expected http://host:port; the tunnel to the "
                        + "provider is TLS end to end either way)"), problems);
        String key = Files.readString(stranger);
        String material = key.substring(key.indexOf('\n') + 1, key.indexOf('\n') + 30);
        assertTrue(problems.stream().noneMatch(p -> p.contains(material)), "no key material in a message");
    }

    @Test
    void server_tls_needs_both_files_and_client_auth_needs_a_ca() {
        assertEquals(List.of("server.tls.key: is required",
                        "server.tls.client_auth: needs client_ca: the CA client certificates must chain to"),
                problems("""
                        server:
                          tls: { cert: leaf.pem, client_auth: required }
                        providers:
                          p: { type: openai }
                        """ + ROUTES));
    }

    @Test
    void provider_tls_with_a_clear_text_base_url_is_refused() {
        assertEquals(List.of("providers.p.tls: has no use with an http:// base_url (TLS applies to https:// only)"),
                problems("""
                        providers:
                          p: { type: openai, base_url: "http://127.0.0.1:8000/v1", tls: { ca: ca.pem } }
                        """ + ROUTES));
    }

    @Test
    void a_proxy_password_never_appears_in_a_problem() {
        List<String> problems = problems("""
                providers:
                  p: { type: openai, proxy: "http://u:hunter2@proxy:3128/x" }
                """ + ROUTES);
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("providers.p.proxy: a proxy URL is only http://host:port"), problems.get(0));
        assertFalse(problems.get(0).contains("hunter2"));
    }
}
