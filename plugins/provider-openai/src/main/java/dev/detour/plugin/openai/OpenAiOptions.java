package dev.detour.plugin.openai;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The {@code options:} block of an {@code openai} provider. Everything else (base URL, key, extra
 * headers, timeouts) is common provider config; these are the OpenAI-specific knobs only.
 *
 * <pre>{@code
 * providers:
 *   openai-us:
 *     type: openai
 *     api_key: ${OPENAI_API_KEY}
 *     options: { organization: org-abc, project: proj_123, max_connections: 128 }
 * }</pre>
 *
 * @param organization   sent as {@code OpenAI-Organization} when set: which organization the usage
 *                       is billed to, for keys that belong to several
 * @param project        sent as {@code OpenAI-Project} when set
 * @param maxConnections the HTTP/1.1 connection pool size towards this endpoint (default
 *                       {@value #DEFAULT_MAX_CONNECTIONS}); one in-flight call holds one connection
 */
public record OpenAiOptions(@JsonProperty("organization") String organization,
                            @JsonProperty("project") String project,
                            @JsonProperty("max_connections") Integer maxConnections) {

    /** Connections per provider unless configured; a streaming call holds its connection for its whole life. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /** No organization, no project, the default pool. */
    public static final OpenAiOptions DEFAULTS = new OpenAiOptions(null, null, null);

    public OpenAiOptions {
        if (organization != null && organization.isBlank()) {
            throw new IllegalArgumentException("organization must not be blank (was '" + organization + "')");
        }
        if (project != null && project.isBlank()) {
            throw new IllegalArgumentException("project must not be blank (was '" + project + "')");
        }
        if (maxConnections == null) {
            maxConnections = DEFAULT_MAX_CONNECTIONS;
        } else if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("max_connections must be between 1 and 10000 (was " + maxConnections + ")");
        }
    }
}
