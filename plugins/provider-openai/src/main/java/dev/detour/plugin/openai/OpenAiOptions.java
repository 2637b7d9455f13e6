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
 * @param continuation   how this endpoint is asked to continue a stream another target started
 *                       ({@code stream.resume}): {@value #INSTRUCTION} (default, any chat model: the
 *                       answer so far, then a user message asking to continue it) or
 *                       {@value #CONTINUE_FINAL_MESSAGE} (the answer so far as the final assistant
 *                       message with {@code continue_final_message: true} and
 *                       {@code add_generation_prompt: false}, which vLLM continues as a prefix)
 */
public record OpenAiOptions(@JsonProperty("organization") String organization,
                            @JsonProperty("project") String project,
                            @JsonProperty("max_connections") Integer maxConnections,
                            @JsonProperty("continuation") String continuation) {

    /** {@code continuation}: the answer so far and an instruction to continue it. */
    public static final String INSTRUCTION = "instruction";
    /** {@code continuation}: vLLM's assistant prefix ({@code continue_final_message}). */
    public static final String CONTINUE_FINAL_MESSAGE = "continue_final_message";

    /** Connections per provider unless configured; a streaming call holds its connection for its whole life. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /** No organization, no project, the default pool. */
    public static final OpenAiOptions DEFAULTS = new OpenAiOptions(null, null, null, null);

    /** Options with the default {@code continuation}. */
    public OpenAiOptions(String organization, String project, Integer maxConnections) {
        this(organization, project, maxConnections, null);
    }

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
        if (continuation == null) {
            continuation = INSTRUCTION;
        } else if (!continuation.equals(INSTRUCTION) && !continuation.equals(CONTINUE_FINAL_MESSAGE)) {
            throw new IllegalArgumentException("continuation must be " + INSTRUCTION + " or " + CONTINUE_FINAL_MESSAGE
                    + " (was '" + continuation + "')");
        }
    }
}
