package dev.detour.plugin.bedrock;

import java.util.function.UnaryOperator;

/**
 * AWS credentials, resolved once at provider creation: the options' keys, else the standard
 * {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN}
 * environment variables. {@link #toString()} never shows a secret.
 */
record BedrockCredentials(String accessKeyId, String secretAccessKey, String sessionToken) {

    /**
     * @param env reads an environment variable ({@code System::getenv} in production)
     * @throws IllegalArgumentException naming the missing settings (never their values)
     */
    static BedrockCredentials resolve(BedrockOptions options, UnaryOperator<String> env) {
        if (options.accessKeyId() != null) {
            return new BedrockCredentials(options.accessKeyId(), options.secretAccessKey(), blankToNull(options.sessionToken()));
        }
        String id = blankToNull(env.apply("AWS_ACCESS_KEY_ID"));
        String secret = blankToNull(env.apply("AWS_SECRET_ACCESS_KEY"));
        if (id == null || secret == null) {
            throw new IllegalArgumentException("bedrock needs credentials: set options.access_key_id and "
                    + "options.secret_access_key, or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables");
        }
        return new BedrockCredentials(id, secret, blankToNull(env.apply("AWS_SESSION_TOKEN")));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "BedrockCredentials[access_key_id=***]";
    }
}
