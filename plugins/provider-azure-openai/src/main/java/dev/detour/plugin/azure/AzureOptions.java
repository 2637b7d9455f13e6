package dev.detour.plugin.azure;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;
import java.util.Map;

/**
 * The {@code options:} block of an {@code azure-openai} provider.
 *
 * <pre>{@code
 * providers:
 *   azure-eu:
 *     type: azure-openai
 *     base_url: https://contoso-eu.openai.azure.com     # or options.resource: contoso-eu
 *     api_key: ${AZURE_OPENAI_API_KEY}
 *     options:
 *       api_version: 2024-10-21
 *       deployments: { gpt-4o: gpt4o-prod, text-embedding-3-small: embed-small }
 *       auth: api-key                                   # or bearer (Entra ID token in api_key)
 * }</pre>
 *
 * @param apiVersion     the {@code api-version} query parameter (default {@value #DEFAULT_API_VERSION},
 *                       the latest GA data-plane inference version in Azure's REST reference)
 * @param deployments    model name &rarr; deployment name; a model not listed is called through a
 *                       deployment of the same name
 * @param auth           {@code api-key} (default): the key goes in the {@code api-key} header;
 *                       {@code bearer}: the provider's {@code api_key} is an Entra ID access token
 *                       sent as {@code Authorization: Bearer}
 * @param resource       the Azure OpenAI resource name, used to build
 *                       {@code https://{resource}.openai.azure.com} when the provider has no {@code base_url}
 * @param maxConnections the HTTP/1.1 connection pool size (default {@value #DEFAULT_MAX_CONNECTIONS})
 */
public record AzureOptions(@JsonProperty("api_version") String apiVersion,
                           @JsonProperty("deployments") Map<String, String> deployments,
                           @JsonProperty("auth") String auth,
                           @JsonProperty("resource") String resource,
                           @JsonProperty("max_connections") Integer maxConnections) {

    /** Latest GA inference version listed in Azure OpenAI's REST API reference. */
    public static final String DEFAULT_API_VERSION = "2024-10-21";
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    public static final String AUTH_API_KEY = "api-key";
    public static final String AUTH_BEARER = "bearer";

    /** Every default; needs a {@code base_url}. */
    public static final AzureOptions DEFAULTS = new AzureOptions(null, null, null, null, null);

    public AzureOptions {
        if (apiVersion == null) {
            apiVersion = DEFAULT_API_VERSION;
        } else if (apiVersion.isBlank() || !apiVersion.matches("[A-Za-z0-9.\\-]+")) {
            throw new IllegalArgumentException("api_version must look like 2024-10-21 (was '" + apiVersion + "')");
        }
        deployments = deployments == null ? Map.of() : Map.copyOf(deployments);
        deployments.forEach((model, dep) -> {
            if (dep == null || dep.isBlank()) {
                throw new IllegalArgumentException("deployments." + model + " must not be blank");
            }
        });
        auth = auth == null ? AUTH_API_KEY : auth.toLowerCase(Locale.ROOT);
        if (!auth.equals(AUTH_API_KEY) && !auth.equals(AUTH_BEARER)) {
            throw new IllegalArgumentException("auth must be 'api-key' or 'bearer' (was '" + auth + "')");
        }
        if (resource != null && !resource.matches("[A-Za-z0-9][A-Za-z0-9\\-]*")) {
            throw new IllegalArgumentException("resource must be an Azure resource name (was '" + resource + "')");
        }
        if (maxConnections == null) {
            maxConnections = DEFAULT_MAX_CONNECTIONS;
        } else if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("max_connections must be between 1 and 10000 (was " + maxConnections + ")");
        }
    }

    /** The deployment serving {@code model}. */
    public String deploymentFor(String model) {
        return deployments.getOrDefault(model, model);
    }

    /** Whether the key is an Entra ID bearer token. */
    public boolean bearer() {
        return auth.equals(AUTH_BEARER);
    }
}
