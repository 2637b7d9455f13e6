package dev.detour.plugin.anthropic;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The {@code options:} block of an {@code anthropic} provider.
 *
 * <pre>{@code
 * providers:
 *   anthropic:
 *     type: anthropic
 *     api_key: ${ANTHROPIC_API_KEY}
 *     options:
 *       anthropic_version: "2023-06-01"   # the anthropic-version header
 *       default_max_tokens: 4096          # max_tokens when the client sent none (Anthropic requires it)
 *       beta: [fine-grained-tool-streaming-2025-05-14]   # anthropic-beta header, comma-joined
 * }</pre>
 *
 * @param anthropicVersion the {@code anthropic-version} header; default {@value #DEFAULT_VERSION}
 * @param defaultMaxTokens the {@code max_tokens} sent when the request has no output limit; default
 *                         {@value #DEFAULT_MAX_TOKENS}, at least 1
 * @param beta             beta feature names sent in one {@code anthropic-beta} header (empty: no header)
 */
public record AnthropicOptions(@JsonProperty("anthropic_version") String anthropicVersion,
                               @JsonProperty("default_max_tokens") Integer defaultMaxTokens,
                               @JsonProperty("beta") List<String> beta) {

    /** The API version Detour was written against. */
    public static final String DEFAULT_VERSION = "2023-06-01";
    /** The output limit used when the client gave none. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    public AnthropicOptions {
        if (anthropicVersion == null) {
            anthropicVersion = DEFAULT_VERSION;
        } else if (anthropicVersion.isBlank()) {
            throw new IllegalArgumentException("anthropic_version must not be blank");
        }
        if (defaultMaxTokens == null) {
            defaultMaxTokens = DEFAULT_MAX_TOKENS;
        } else if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("default_max_tokens must be at least 1, was " + defaultMaxTokens);
        }
        beta = beta == null ? List.of() : List.copyOf(beta);
        for (String b : beta) {
            if (b == null || b.isBlank() || b.contains(",")) {
                throw new IllegalArgumentException("beta entries must be non-blank names without commas, was '" + b + "'");
            }
        }
    }

    /** Every option at its default. */
    public static AnthropicOptions defaults() {
        return new AnthropicOptions(null, null, null);
    }
}
