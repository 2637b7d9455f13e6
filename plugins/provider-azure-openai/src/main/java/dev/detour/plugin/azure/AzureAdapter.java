package dev.detour.plugin.azure;

import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ChunkSink;
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.openai.OpenAiCompatibleClient;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.wire.http.RequestChecks;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The {@code azure-openai} adapter, the only class of this plugin doing I/O. Azure OpenAI speaks
 * OpenAI's wire format, so this is an {@link OpenAiCompatibleClient} configured with what Azure
 * does differently: deployment-scoped URIs with {@code ?api-version=}, the {@code api-key} header
 * (or an Entra ID bearer token), Azure's error rules, and its output filter, which fails an answer
 * or a stream ending with {@code finish_reason: content_filter} as {@code CONTENT_FILTER} so core
 * can fall back instead of returning a truncated answer. The body keeps {@code model} (Azure
 * ignores it) so a request log shows what was asked for.
 *
 * <p>Each invocation makes exactly one request to the deployment of the request's model; a
 * cancelled call resets its request, which closes the connection. Thread-safe: the client and
 * precomputed headers are shared read-only.
 */
final class AzureAdapter implements ProviderAdapter {

    private final AzureOptions options;
    private final HttpEndpoint endpoint;
    private final String apiVersion;
    private final OpenAiCompatibleClient client;

    AzureAdapter(AzureOptions options, ProviderContext ctx) {
        this.options = options;
        String base = ctx.baseUrl() != null && !ctx.baseUrl().isEmpty() ? ctx.baseUrl()
                : options.resource() != null ? "https://" + options.resource() + ".openai.azure.com" : null;
        if (base == null) {
            throw new IllegalArgumentException("azure-openai needs base_url (https://{resource}.openai.azure.com) or options.resource");
        }
        this.endpoint = HttpEndpoint.parse(ctx.baseUrlOr(base));
        if (endpoint.query() != null) {
            // The adapter owns the query: api-version comes from options.api_version.
            throw new IllegalArgumentException("base_url must not carry a query; set options.api_version instead");
        }
        this.apiVersion = URLEncoder.encode(options.apiVersion(), StandardCharsets.UTF_8);
        String apiKey = ctx.apiKey() == null || ctx.apiKey().isEmpty() ? null : ctx.apiKey();
        this.client = OpenAiCompatibleClient.builder(ctx, endpoint)
                .clientName("detour-azure-openai-" + ctx.name())
                .maxConnections(options.maxConnections())
                .headers(staticHeaders(options, apiKey, ctx.headers()))
                .errors(AzureErrors::fromResponse, AzureErrors::fromErrorObject)
                // The output filter cut the stream: what came before was delivered, the rest is withheld.
                .chunkCheck(c -> c.finishReason() == FinishReason.CONTENT_FILTER ? AzureErrors.filteredAnswer() : null)
                .build();
    }

    /**
     * Headers sent on every call: the key as {@code api-key}, or as a bearer token for Entra ID;
     * never both, so a proxy cannot pick the wrong one. Extra headers come last and may override.
     */
    static MultiMap staticHeaders(AzureOptions options, String apiKey, Map<String, String> extra) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        h.set(HttpHeaders.CONTENT_TYPE, "application/json");
        if (apiKey != null) {
            if (options.bearer()) {
                h.set(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
            } else {
                h.set("api-key", apiKey);
            }
        }
        extra.forEach(h::set);
        return h;
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        String uri;
        try {
            uri = uri(request.model(), "/chat/completions");
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
        return client.chat(uri, request, call).compose(r -> {
            for (Choice c : r.choices()) {
                if (c.finishReason() == FinishReason.CONTENT_FILTER) {
                    return Future.failedFuture(AzureErrors.filteredAnswer());
                }
            }
            return Future.succeededFuture(r);
        });
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        try {
            return client.stream(uri(request.model(), "/chat/completions"), request, call, sink);
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<EmbeddingResponse> embed(EmbeddingRequest request, Call call) {
        try {
            return client.embed(uri(request.model(), "/embeddings"), request, call);
        } catch (ProviderException e) {
            return Future.failedFuture(e);
        }
    }

    /** The deployment goes into the URL path: one that would change the path itself is refused. */
    @Override
    public String modelProblem(String model) {
        return RequestChecks.pathSegmentProblem(options.deploymentFor(model));
    }

    /** Azure deploys OpenAI's models, which take images, tools and JSON modes; narrow per target if needed. */
    @Override
    public Capabilities capabilities(String model) {
        return Capabilities.ALL;
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    /**
     * {@code {prefix}/openai/deployments/{deployment}{operation}?api-version=...} for the model's deployment.
     *
     * @throws ProviderException INVALID_REQUEST when the deployment is {@code .} or {@code ..}
     */
    String uri(String model, String operation) {
        String deployment = options.deploymentFor(model);
        RequestChecks.pathSegment(deployment);
        // Deployment names are [A-Za-z0-9_.-], but a model name used as a fallback may hold '/' or ':'.
        String dep = URLEncoder.encode(deployment, StandardCharsets.UTF_8).replace("+", "%20");
        return endpoint.uri("/openai/deployments/" + dep + operation) + "?api-version=" + apiVersion;
    }
}
