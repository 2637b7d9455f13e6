package dev.detour.it;

import dev.detour.core.boot.Detour;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transport security through the real gateway, with certificates the test makes (openssl): TLS
 * upstreams reached through a configured CA, an untrusted one failed over, mTLS to an upstream,
 * HTTPS inbound with client-certificate auth and a certificate reload, and egress through a
 * CONNECT proxy, configured or from the process's environment, bypassed by NO_PROXY.
 */
class TlsIT {
    @TempDir
    static Path dir;
    static Certs certs;
    /** The upstreams' CA, the clients' CA (mTLS both ways) and the gateway's own CA. */
    static Certs.Pair upstreamCa;
    static Certs.Pair upstream;
    static Certs.Pair clientCa;
    static Certs.Pair client;
    static Certs.Pair gatewayCa;
    static Certs.Pair gateway;

    Vertx vertx;
    Detour gw;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void certificates() {
        certs = new Certs(dir);
        upstreamCa = certs.ca("upstream-ca");
        upstream = certs.leaf(upstreamCa, "upstream");
        clientCa = certs.ca("client-ca");
        client = certs.leaf(clientCa, "detour-client");
        gatewayCa = certs.ca("gateway-ca");
        gateway = certs.leaf(gatewayCa, "gateway");
    }

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
    }

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            await(gw.stop());
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
        await(vertx.close());
    }

    /** An https fake OpenAI upstream with {@code upstream}'s certificate; with {@code clientCa}, it requires a client certificate. */
    FakeUpstream tlsUpstream(String name, Path requiredClientCa) {
        HttpServerOptions o = new HttpServerOptions().setSsl(true).setKeyCertOptions(
                new PemKeyCertOptions().setCertPath(upstream.cert().toString()).setKeyPath(upstream.key().toString()));
        if (requiredClientCa != null) {
            o.setTrustOptions(new PemTrustOptions().addCertPath(requiredClientCa.toString()))
                    .setClientAuth(ClientAuth.REQUIRED);
        }
        FakeUpstream up = await(new FakeUpstream(vertx, name).start(o));
        closing.add(up);
        return up;
    }

    static String https(FakeUpstream up) {
        return "https://localhost:" + up.port() + "/v1";
    }

    @Test
    void reaches_a_tls_upstream_through_its_configured_ca() {
        FakeUpstream secure = tlsUpstream("secure", null);
        gw = Harness.start(vertx, """
                providers:
                  secure: { type: openai, base_url: "%s", tls: { ca: "%s" }, timeouts: { connect: 30s } }
                routes: { r: { targets: [ { provider: secure, model: m } ] } }
                """.formatted(https(secure), upstreamCa.cert()));
        Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat("r", false));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("Hello from secure"), r.body());
        Harness.Reply stream = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat("r", true));
        assertEquals(200, stream.status(), stream.body());
        assertTrue(stream.body().contains("Hello from secure") || stream.events().size() > 2, stream.body());
        assertEquals(2, secure.calls());
    }

    @Test
    void an_untrusted_upstream_fails_its_handshake_and_the_route_falls_back() {
        FakeUpstream secure = tlsUpstream("secure", null);
        FakeUpstream backup = await(new FakeUpstream(vertx, "backup").start());
        closing.add(backup);
        gw = Harness.start(vertx, """
                providers:
                  secure: { type: openai, base_url: "%s", timeouts: { connect: 30s } }
                  backup: { type: openai, base_url: "%s" }
                routes:
                  r: { targets: [ { provider: secure, model: m }, { provider: backup, model: m } ], retry: { attempts: 1 } }
                  only: { targets: [ { provider: secure, model: m } ], retry: { attempts: 1 } }
                """.formatted(https(secure), backup.baseUrl()));
        Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat("r", false));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("Hello from backup"), r.body());
        assertEquals("true", r.header("x-detour-failover"));
        assertEquals(0, secure.calls(), "no request crosses an untrusted handshake");

        Harness.Reply only = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat("only", false));
        assertEquals(502, only.status(), only.body());
        assertTrue(only.body().contains("TLS failure: the upstream's certificate is not signed by a trusted CA"),
                only.body());
        assertEquals(0, secure.calls());

        ExecutionException failed = assertThrows(ExecutionException.class, () -> gw.reloadTls(
                new dev.detour.core.config.GatewayConfig.ServerTls(gateway.cert(), gateway.key(), null, true))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertEquals("server.tls: turning HTTPS on needs a restart", failed.getCause().getMessage());
    }

    @Test
    void an_mtls_upstream_gets_the_gateways_client_certificate() {
        FakeUpstream mtls = tlsUpstream("mtls", clientCa.cert());
        gw = Harness.start(vertx, """
                providers:
                  with-cert: { type: openai, base_url: "%1$s", tls: { ca: "%2$s", cert: "%3$s", key: "%4$s" }, timeouts: { connect: 30s } }
                  without: { type: openai, base_url: "%1$s", tls: { ca: "%2$s" }, timeouts: { connect: 30s } }
                routes:
                  r: { targets: [ { provider: with-cert, model: m } ] }
                  bare: { targets: [ { provider: without, model: m } ], retry: { attempts: 1 } }
                """.formatted(https(mtls), upstreamCa.cert(), client.cert(), client.key()));
        Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat("r", false));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("Hello from mtls"), r.body());
        assertEquals(1, mtls.calls());

        Harness.Reply bare = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat("bare", false));
        assertEquals(502, bare.status(), bare.body());
        assertTrue(bare.body().contains("\"kind\":\"connection\""), bare.body());
        assertTrue(bare.body().contains("the upstream refused the gateway's client certificate, or wants one"),
                bare.body());
        assertEquals(1, mtls.calls(), "the upstream served nobody without a certificate");
    }

    @Test
    void every_bundled_adapter_trusts_the_providers_ca_and_presents_its_certificate() {
        FakeUpstream mtls = tlsUpstream("mtls", clientCa.cert());
        String tls = "tls: { ca: \"%s\", cert: \"%s\", key: \"%s\" }, timeouts: { connect: 30s }"
                .formatted(upstreamCa.cert(), client.cert(), client.key());
        String base = "https://localhost:" + mtls.port();
        gw = Harness.start(vertx, """
                defaults: { retry: { attempts: 1 } }
                providers:
                  oai: { type: openai, base_url: "%1$s/v1", api_key: sk-oai-1111, %2$s }
                  az:  { type: azure-openai, base_url: "%1$s", api_key: az-key-2222, %2$s }
                  ant: { type: anthropic, base_url: "%1$s", api_key: sk-ant-3333, %2$s }
                  gem: { type: gemini, base_url: "%1$s", api_key: gem-key-4444, %2$s }
                  br:  { type: bedrock, base_url: "%1$s", region: us-east-1, %2$s,
                         options: { access_key_id: AKIDEXAMPLE, secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" } }
                routes: { r: { targets: [ { provider: oai, model: m } ] } }
                """.formatted(base, tls));
        int calls = 0;
        for (String provider : List.of("oai", "az", "ant", "gem", "br")) {
            Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat(provider + "/m", false));
            // The fake answers in OpenAI's shape, which other adapters may refuse: what matters is that
            // the handshake, which needs the CA and the client certificate, let the request through.
            assertTrue(!r.body().contains("TLS failure"), provider + ": " + r.body());
            assertEquals(++calls, mtls.calls(), provider + " reached the mTLS upstream: " + r.body());
        }
    }

    /** An https client trusting the gateway's CA, presenting {@code identity} when not null. */
    HttpClient httpsClient(Certs.Pair identity) {
        HttpClientOptions o = new HttpClientOptions().setSsl(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(gatewayCa.cert().toString()));
        if (identity != null) {
            o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(identity.cert().toString())
                    .setKeyPath(identity.key().toString()));
        }
        return vertx.createHttpClient(o);
    }

    /** {@code POST /admin/reload} over HTTPS (loopback needs no admin token): the status, then the body. */
    String reload(int port) {
        HttpClient client = httpsClient(null);
        try {
            return await(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                            .setPort(port).setURI("/admin/reload"))
                    .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode()
                            + (resp.statusCode() == 200 ? " reloaded " : " ") + b))));
        } finally {
            client.close();
        }
    }

    /** The status and the CN of the server certificate of one chat call over a new connection. */
    String call(HttpClient client, int port) {
        try {
            return await(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                            .setPort(port).setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
                    .compose(req -> req.send(Harness.chat("r", false)).compose(resp -> resp.body().map(b -> {
                        X509Certificate peer;
                        try {
                            peer = (X509Certificate) req.connection().peerCertificates().get(0);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return resp.statusCode() + " " + peer.getSubjectX500Principal().getName();
                    }))));
        } finally {
            client.close();
        }
    }

    @Test
    void serves_https_and_reloads_a_renewed_certificate() throws Exception {
        FakeUpstream plain = await(new FakeUpstream(vertx, "plain").start());
        closing.add(plain);
        Path tlsDir = Files.createDirectories(dir.resolve("served"));
        Files.copy(gateway.cert(), tlsDir.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(gateway.key(), tlsDir.resolve("server-key.pem"), StandardCopyOption.REPLACE_EXISTING);
        gw = Harness.start(vertx, """
                server: { tls: { cert: "%s", key: "%s" } }
                providers: { plain: { type: openai, base_url: "%s" } }
                routes: { r: { targets: [ { provider: plain, model: m } ] } }
                """.formatted(tlsDir.resolve("server.pem"), tlsDir.resolve("server-key.pem"), plain.baseUrl()));
        assertEquals("200 CN=gateway", call(httpsClient(null), gw.port()));
        HttpClient clear = vertx.createHttpClient();
        try {
            assertThrows(AssertionError.class, () -> await(clear.request(HttpMethod.GET, gw.port(), "127.0.0.1",
                    "/healthz").compose(req -> req.send())), "no clear-text answer on the https port");
        } finally {
            clear.close();
        }

        // A renewed certificate lands on the same paths; the reload picks it up for new connections.
        Certs.Pair renewed = certs.leaf(gatewayCa, "renewed");
        Files.copy(renewed.cert(), tlsDir.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.key(), tlsDir.resolve("server-key.pem"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("200 reloaded", reload(gw.port()).substring(0, 12), "POST /admin/reload re-reads the certificate");
        assertEquals("200 CN=renewed", call(httpsClient(null), gw.port()));

        // A broken file refuses the reload by name and the running certificate keeps serving.
        Files.writeString(tlsDir.resolve("server-key.pem"), "not a key\n");
        String refused = reload(gw.port());
        assertTrue(refused.startsWith("422 "), refused);
        assertTrue(refused.contains("server.tls: " + tlsDir.resolve("server-key.pem")
                + ": holds no PEM private key"), refused);
        assertEquals("200 CN=renewed", call(httpsClient(null), gw.port()));

        ExecutionException failed = assertThrows(ExecutionException.class, () -> gw.reloadTls(null).toCompletionStage()
                .toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertEquals("server.tls: turning HTTPS off needs a restart", failed.getCause().getMessage());
    }

    @Test
    void client_certificate_auth_refuses_a_client_without_one() {
        FakeUpstream plain = await(new FakeUpstream(vertx, "plain").start());
        closing.add(plain);
        gw = Harness.start(vertx, """
                server: { tls: { cert: "%s", key: "%s", client_ca: "%s", client_auth: required } }
                providers: { plain: { type: openai, base_url: "%s" } }
                routes: { r: { targets: [ { provider: plain, model: m } ] } }
                """.formatted(gateway.cert(), gateway.key(), clientCa.cert(), plain.baseUrl()));
        assertEquals("200 CN=gateway", call(httpsClient(client), gw.port()));
        assertThrows(AssertionError.class, () -> call(httpsClient(null), gw.port()));
        Certs.Pair stranger = certs.leaf(certs.ca("stranger-ca"), "stranger");
        assertThrows(AssertionError.class, () -> call(httpsClient(stranger), gw.port()),
                "a certificate from another CA is refused too");
        assertEquals(1, plain.calls(), "only the authenticated client's request reached a target");
    }

    @Test
    void a_configured_proxy_tunnels_to_the_upstream_with_its_credentials() {
        FakeUpstream secure = tlsUpstream("secure", null);
        ConnectProxy proxy = await(new ConnectProxy(vertx, "detour", "s3cret:/").start());
        closing.add(proxy);
        gw = Harness.start(vertx, """
                providers:
                  secure: { type: openai, base_url: "%s", tls: { ca: "%s" }, proxy: "http://detour:s3cret%%3A%%2F@127.0.0.1:%d",
                            timeouts: { connect: 30s } }
                routes: { r: { targets: [ { provider: secure, model: m } ] } }
                """.formatted(https(secure), upstreamCa.cert(), proxy.port()));
        Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", Harness.chat("r", false));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("Hello from secure"), r.body());
        assertEquals(1, proxy.tunnels());
        assertEquals(List.of("localhost:" + secure.port()), proxy.targets);
        assertEquals("Basic " + Base64.getEncoder().encodeToString("detour:s3cret:/".getBytes(StandardCharsets.UTF_8)),
                proxy.authorizations.get(0));
    }

    @Test
    void https_proxy_from_the_process_environment_is_used_except_for_no_proxy_hosts() throws Exception {
        FakeUpstream secure = tlsUpstream("secure", null);
        ConnectProxy proxy = await(new ConnectProxy(vertx, null, null).start());
        closing.add(proxy);
        Path config = Harness.write(Harness.withShortGrace("""
                providers:
                  proxied: { type: openai, base_url: "https://127.0.0.1:%1$d/v1", tls: { ca: "%2$s" }, timeouts: { connect: 30s } }
                  direct: { type: openai, base_url: "https://localhost:%1$d/v1", tls: { ca: "%2$s" }, timeouts: { connect: 30s } }
                routes:
                  via-proxy: { targets: [ { provider: proxied, model: m } ] }
                  around: { targets: [ { provider: direct, model: m } ] }
                """.formatted(secure.port(), upstreamCa.cert())));
        Process p = Cli.builder(Map.of("HTTPS_PROXY", "http://127.0.0.1:" + proxy.port(), "NO_PROXY", "localhost"),
                "run", "--config", config.toString(), "--port", "0").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            StringBuilder seen = new StringBuilder();
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, "the gateway never said it was listening: " + seen);
            Harness.Reply viaProxy = Harness.post(vertx, port, "/v1/chat/completions", Harness.chat("via-proxy", false));
            assertEquals(200, viaProxy.status(), viaProxy.body());
            assertEquals(1, proxy.tunnels(), "HTTPS_PROXY carried the call");
            assertEquals(List.of("127.0.0.1:" + secure.port()), proxy.targets);

            Harness.Reply around = Harness.post(vertx, port, "/v1/chat/completions", Harness.chat("around", false));
            assertEquals(200, around.status(), around.body());
            assertEquals(1, proxy.tunnels(), "NO_PROXY=localhost went direct");
            assertEquals(2, secure.calls());
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
