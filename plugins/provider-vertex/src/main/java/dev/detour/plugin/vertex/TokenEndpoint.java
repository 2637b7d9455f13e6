package dev.detour.plugin.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.http.HttpExchange;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.http.TransportErrors;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The OAuth 2.0 token endpoint ({@code https://oauth2.googleapis.com/token}, or {@code token_url}):
 * one {@code POST} of {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT}
 * as a form per exchange, answered by {@code {"access_token":..,"expires_in":3599,"token_type":
 * "Bearer"}}. Failures are classified for the attempt that waited on the token:
 * <ul>
 *   <li>4xx ({@code invalid_grant}: a bad signature, an unknown or deleted key, a clock far off;
 *       {@code invalid_client}, {@code unauthorized_client}) → AUTHENTICATION: this provider
 *       cannot authenticate, another target may serve the request;</li>
 *   <li>429 → RATE_LIMITED; 5xx → SERVER_ERROR (retryable);</li>
 *   <li>transport failures through {@link TransportErrors}; a 2xx without {@code access_token}
 *       → AUTHENTICATION.</li>
 * </ul>
 * Messages quote the endpoint's {@code error} and {@code error_description} (which never carry the
 * key or the assertion), never the request. Timeouts: 10 s to connect and 30 s for the answer, so a
 * hung endpoint fails its waiters instead of holding them.
 */
final class TokenEndpoint implements ServiceAccountTokens.Exchange {

    private static final String GRANT = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer",
            StandardCharsets.UTF_8) + "&assertion=";
    private static final long CONNECT_MS = 10_000;
    private static final long ANSWER_MS = 30_000;

    private final HttpEndpoint endpoint;
    private final String uri;
    private final HttpClient client;

    TokenEndpoint(Vertx vertx, String url, String providerName) {
        this.endpoint = HttpEndpoint.parse(url);
        this.uri = endpoint.uri("");
        this.client = vertx.createHttpClient(endpoint.clientOptions("detour-vertex-token-" + providerName),
                new PoolOptions().setHttp1MaxSize(2));
    }

    @Override
    public Future<ServiceAccountTokens.Grant> post(String assertion) {
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.ssl())
                .setURI(uri.isEmpty() ? "/" : uri)
                .setConnectTimeout(CONNECT_MS)
                .setIdleTimeout(ANSWER_MS)
                .putHeader("content-type", "application/x-www-form-urlencoded")
                .putHeader("accept", "application/json");
        Buffer body = Buffer.buffer(GRANT + URLEncoder.encode(assertion, StandardCharsets.UTF_8));
        return client.request(ro)
                .compose(req -> req.send(body))
                .compose(resp -> {
                    boolean ok = resp.statusCode() / 100 == 2;
                    return (ok ? HttpExchange.body(resp, 64 * 1024) : HttpExchange.prefix(resp, HttpExchange.MAX_ERROR_BYTES))
                            .compose(b -> ok ? Future.succeededFuture(grant(b))
                                    : Future.failedFuture(failure(resp.statusCode(), resp.getHeader("retry-after"), b)));
                })
                .recover(t -> Future.failedFuture(TransportErrors.classify(t)));
    }

    static ServiceAccountTokens.Grant grant(Buffer body) {
        JsonNode json = json(body);
        String token = json.path("access_token").asText("");
        if (token.isEmpty()) {
            throw new ProviderException(ErrorKind.AUTHENTICATION, 200,
                    "Vertex AI token endpoint answered without an access_token");
        }
        long expiresIn = json.path("expires_in").canConvertToLong() ? json.path("expires_in").asLong() : 3600;
        return new ServiceAccountTokens.Grant(token, Math.max(0, expiresIn));
    }

    static ProviderException failure(int status, String retryAfter, Buffer body) {
        JsonNode json = json(body);
        String error = json.path("error").isTextual() ? json.path("error").asText() : "";
        String description = json.path("error_description").asText("");
        String what = (error.isEmpty() ? "" : error) + (description.isEmpty() ? "" : (error.isEmpty() ? "" : ": ") + description);
        if (what.length() > 300) {
            what = what.substring(0, 300) + "...";
        }
        String message = "Vertex AI token endpoint answered " + status + (what.isEmpty() ? "" : " (" + what + ")");
        if (status == 429) {
            return new ProviderException(ErrorKind.RATE_LIMITED, status, message, RetryAfter.parseValue(retryAfter, null), error);
        }
        if (status >= 500) {
            return new ProviderException(ErrorKind.SERVER_ERROR, status, message, null, error.isEmpty() ? null : error);
        }
        return new ProviderException(ErrorKind.AUTHENTICATION, status,
                message + ": the service-account key cannot get an access token", null, error.isEmpty() ? null : error);
    }

    private static JsonNode json(Buffer body) {
        if (body == null || body.length() == 0) {
            return WireJson.MAPPER.missingNode();
        }
        try {
            JsonNode n = WireJson.MAPPER.readTree(body.getBytes());
            return n == null ? WireJson.MAPPER.missingNode() : n;
        } catch (IOException e) {
            return WireJson.MAPPER.missingNode();
        }
    }

    void close() {
        client.close();
    }
}
