package dev.detour.plugin.bedrock;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SigV4 request signing for the {@code bedrock} service, delegated to the AWS SDK v2's
 * {@code http-auth-aws} signer (bundled privately in this plugin). Signing is pure CPU work
 * (SHA-256 of the body and an HMAC chain) and safe on the event loop. Thread-safe.
 */
final class BedrockSigner {

    /** The SigV4 service name of Bedrock Runtime (the credential scope's service). */
    static final String SERVICE = "bedrock";

    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final AwsCredentialsIdentity identity;
    private final String region;

    BedrockSigner(BedrockCredentials credentials, String region) {
        this.identity = credentials.sessionToken() == null
                ? AwsCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey(),
                        credentials.sessionToken());
        this.region = region;
    }

    /**
     * The headers to add to a POST of {@code body} to {@code uri} (already percent-encoded) so it
     * carries a valid signature: {@code Authorization}, {@code X-Amz-Date}, {@code Host}, the
     * payload hash and, for temporary credentials, {@code X-Amz-Security-Token}; together with the
     * given headers, which are signed as they are.
     *
     * @param headers headers the request will carry exactly as given (content type, accept)
     * @param now     the signing time
     */
    Map<String, String> sign(URI uri, Map<String, String> headers, byte[] body, Instant now) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri);
        headers.forEach(request::putHeader);
        SignedRequest signed = signer.sign(r -> r
                .identity(identity)
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, java.time.Clock.fixed(now, ZoneOffset.UTC)));
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : signed.request().headers().entrySet()) {
            out.put(e.getKey(), String.join(",", e.getValue()));
        }
        return out;
    }
}
