package dev.detour.plugin.bedrock;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The {@code options:} block of a {@code bedrock} provider. The provider's {@code api_key} is not
 * used: Bedrock authenticates with SigV4-signed requests.
 *
 * <pre>{@code
 * providers:
 *   bedrock-us:
 *     type: bedrock
 *     region: us-east-1                       # or options.aws_region
 *     options:
 *       access_key_id: ${AWS_ACCESS_KEY_ID}   # else the AWS_ACCESS_KEY_ID environment variable
 *       secret_access_key: ${AWS_SECRET_ACCESS_KEY}
 *       session_token: ${AWS_SESSION_TOKEN}   # temporary credentials only
 * }</pre>
 *
 * @param awsRegion       the AWS region, when the provider's {@code region} label is not one
 * @param accessKeyId     the access key id; with {@link #secretAccessKey()}, else the environment's
 * @param secretAccessKey the secret access key
 * @param sessionToken    the session token of temporary credentials, or null
 * @param maxConnections  the HTTP/1.1 connection pool size (default {@value #DEFAULT_MAX_CONNECTIONS})
 */
public record BedrockOptions(@JsonProperty("aws_region") String awsRegion,
                             @JsonProperty("access_key_id") String accessKeyId,
                             @JsonProperty("secret_access_key") String secretAccessKey,
                             @JsonProperty("session_token") String sessionToken,
                             @JsonProperty("max_connections") Integer maxConnections) {

    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /** Region from the provider label, credentials from the environment. */
    public static final BedrockOptions DEFAULTS = new BedrockOptions(null, null, null, null, null);

    public BedrockOptions {
        if (awsRegion != null && !awsRegion.matches("[a-z]{2}(-[a-z0-9]+)+-\\d+")) {
            throw new IllegalArgumentException("aws_region must be an AWS region such as us-east-1 (was '" + awsRegion + "')");
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            // Never echo either value: the message names the fields only.
            throw new IllegalArgumentException("access_key_id and secret_access_key must be set together");
        }
        if (sessionToken != null && accessKeyId == null) {
            throw new IllegalArgumentException("session_token needs access_key_id and secret_access_key");
        }
        if (maxConnections == null) {
            maxConnections = DEFAULT_MAX_CONNECTIONS;
        } else if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("max_connections must be between 1 and 10000 (was " + maxConnections + ")");
        }
    }

    /** Redacts the credentials: a record's default toString would print them into any log. */
    @Override
    public String toString() {
        return "BedrockOptions[aws_region=" + awsRegion + ", access_key_id=" + (accessKeyId == null ? "null" : "***")
                + ", secret_access_key=" + (secretAccessKey == null ? "null" : "***")
                + ", session_token=" + (sessionToken == null ? "null" : "***") + ", max_connections=" + maxConnections + "]";
    }
}
