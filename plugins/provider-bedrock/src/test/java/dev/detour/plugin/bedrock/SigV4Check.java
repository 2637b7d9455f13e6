package dev.detour.plugin.bedrock;

import io.vertx.core.MultiMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent SigV4 verifier written from AWS's "Create a signed AWS API request" steps (not
 * from the SDK), checked against AWS's published get-vanilla test vector. The fake Bedrock server
 * uses it to recompute the signature of what actually arrived on the wire.
 */
final class SigV4Check {

    static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request, "
                    + "SignedHeaders=([a-z0-9;\\-]+), Signature=([0-9a-f]{64})");

    private SigV4Check() {
    }

    /** The signature AWS would compute for this request, with the signed headers the Authorization names. */
    static String expectedSignature(String method, String rawPath, String rawQuery, MultiMap headers, byte[] body,
                                    String secret) {
        Matcher m = AUTHORIZATION.matcher(headers.get("Authorization"));
        if (!m.matches()) {
            throw new AssertionError("Authorization header is not SigV4: " + headers.get("Authorization"));
        }
        String date = m.group(2);
        String region = m.group(3);
        String service = m.group(4);
        String[] signed = m.group(5).split(";");
        StringBuilder canonicalHeaders = new StringBuilder();
        for (String h : signed) {
            canonicalHeaders.append(h).append(':').append(String.join(",", trimAll(headers.getAll(h)))).append('\n');
        }
        String payloadHash = headers.contains("x-amz-content-sha256") ? headers.get("x-amz-content-sha256") : hex(sha256(body));
        String canonicalRequest = method + "\n" + canonicalUri(rawPath) + "\n" + (rawQuery == null ? "" : rawQuery) + "\n"
                + canonicalHeaders + "\n" + m.group(5) + "\n" + payloadHash;
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = "AWS4-HMAC-SHA256\n" + headers.get("x-amz-date") + "\n" + scope + "\n"
                + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        return hex(hmac(key, stringToSign));
    }

    /** Non-S3 services sign the path URI-encoded once more, segment by segment. */
    static String canonicalUri(String rawPath) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        StringBuilder out = new StringBuilder();
        for (byte b : rawPath.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || c == '/') {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static List<String> trimAll(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            out.add(v.trim().replaceAll(" +", " "));
        }
        return out;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
