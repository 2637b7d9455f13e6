package dev.detour.plugin.vertex;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code options:} block of a {@code vertex} provider.
 *
 * <pre>{@code
 * providers:
 *   vertex-eu:
 *     type: vertex
 *     region: europe-west4                 # the Vertex location (or options.location)
 *     options:
 *       project: my-gcp-project            # else the service-account key's project_id
 *       credentials_file: /etc/detour/vertex-sa.json
 * }</pre>
 *
 * Credentials are one of: {@code credentials_file} (a service-account key file), the key JSON
 * itself as the provider's {@code api_key} (e.g. {@code api_key: ${VERTEX_SA_KEY}}), a static OAuth
 * access token as the {@code api_key} (anything that is not a JSON object), or else the key file
 * named by the {@code GOOGLE_APPLICATION_CREDENTIALS} environment variable.
 *
 * @param project          the Google Cloud project id; default: the key's {@code project_id}
 * @param location         the Vertex location ({@code us-central1}, {@code europe-west4},
 *                         {@code global}, ...), when the provider's {@code region} label is not one
 * @param credentialsFile  the path of a service-account key JSON file (absolute, or relative to the
 *                         directory Detour runs in)
 * @param tokenUrl         the OAuth2 token endpoint; default: the key's {@code token_uri}, else
 *                         {@value #DEFAULT_TOKEN_URL}
 * @param apiVersion       {@code v1} (default) or {@code v1beta1}
 * @param anthropicVersion the {@code anthropic_version} sent in Claude request bodies; default
 *                         {@value #DEFAULT_ANTHROPIC_VERSION}
 * @param defaultMaxTokens the Claude {@code max_tokens} when the client sets none; default 4096
 * @param safetySettings   Gemini {@code SafetySetting} objects sent as {@code safetySettings}
 * @param maxConnections   the HTTP/1.1 connection pool size (default {@value #DEFAULT_MAX_CONNECTIONS})
 */
public record VertexOptions(@JsonProperty("project") String project,
                            @JsonProperty("location") String location,
                            @JsonProperty("credentials_file") String credentialsFile,
                            @JsonProperty("token_url") String tokenUrl,
                            @JsonProperty("api_version") String apiVersion,
                            @JsonProperty("anthropic_version") String anthropicVersion,
                            @JsonProperty("default_max_tokens") Integer defaultMaxTokens,
                            @JsonProperty("safety_settings") List<JsonNode> safetySettings,
                            @JsonProperty("max_connections") Integer maxConnections) {

    /** Google's OAuth2 token endpoint. */
    public static final String DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token";
    /** The version Anthropic's Vertex endpoints require in the body. */
    public static final String DEFAULT_ANTHROPIC_VERSION = "vertex-2023-10-16";
    public static final int DEFAULT_MAX_TOKENS = 4096;
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /** Google Cloud project ids: 6 to 30 lower-case letters, digits and hyphens, starting with a letter. */
    private static final Pattern PROJECT = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]");
    /** A Vertex location: {@code global}, or a region such as {@code us-central1}, {@code europe-west4}. */
    static final Pattern LOCATION = Pattern.compile("global|[a-z]+(-[a-z]+)*[0-9]+");

    /** Everything from the provider's region label, its api_key and the environment. */
    public static final VertexOptions DEFAULTS = new VertexOptions(null, null, null, null, null, null, null, null, null);

    public VertexOptions {
        if (project != null && !PROJECT.matcher(project).matches()) {
            throw new IllegalArgumentException("project: expected a Google Cloud project id such as my-project-123, got '"
                    + project + "'");
        }
        if (location != null && !LOCATION.matcher(location).matches()) {
            throw new IllegalArgumentException("location: expected a Vertex location such as us-central1, europe-west4 "
                    + "or global, got '" + location + "'");
        }
        if (credentialsFile != null && credentialsFile.isBlank()) {
            credentialsFile = null;
        }
        if (tokenUrl != null && !tokenUrl.matches("https?://.+")) {
            throw new IllegalArgumentException("token_url: expected an http(s) URL, got '" + tokenUrl + "'");
        }
        if (apiVersion == null || apiVersion.isBlank()) {
            apiVersion = "v1";
        } else if (!apiVersion.equals("v1") && !apiVersion.equals("v1beta1")) {
            throw new IllegalArgumentException("api_version: expected v1 or v1beta1, got '" + apiVersion + "'");
        }
        if (anthropicVersion == null || anthropicVersion.isBlank()) {
            anthropicVersion = DEFAULT_ANTHROPIC_VERSION;
        }
        if (defaultMaxTokens == null) {
            defaultMaxTokens = DEFAULT_MAX_TOKENS;
        } else if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("default_max_tokens: must be at least 1, got " + defaultMaxTokens);
        }
        if (safetySettings == null) {
            safetySettings = List.of();
        } else {
            for (int i = 0; i < safetySettings.size(); i++) {
                JsonNode s = safetySettings.get(i);
                if (s == null || !s.isObject()) {
                    throw new IllegalArgumentException("safety_settings[" + i + "]: expected an object with category and threshold, got " + s);
                }
            }
            safetySettings = List.copyOf(safetySettings);
        }
        if (maxConnections == null) {
            maxConnections = DEFAULT_MAX_CONNECTIONS;
        } else if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("max_connections: must be between 1 and 10000, got " + maxConnections);
        }
    }
}
