package dev.detour.plugin.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * A Google service-account key (the JSON file the Cloud console downloads: {@code "type":
 * "service_account"}, {@code client_email}, {@code private_key_id}, {@code private_key} as a PEM
 * PKCS#8 RSA key, {@code token_uri}, {@code project_id}). Error messages name the field at fault
 * and never quote the key or the file's content; {@link #toString()} leaves the key out.
 *
 * @param clientEmail  the service account's email, the JWT's {@code iss}
 * @param privateKeyId the key's id, the JWT header's {@code kid} (null when absent)
 * @param privateKey   the RSA private key that signs the JWT
 * @param tokenUri     the token endpoint the key names, or null
 * @param projectId    the project the key belongs to, or null
 */
record ServiceAccountKey(String clientEmail, String privateKeyId, PrivateKey privateKey, String tokenUri,
                         String projectId) {

    /**
     * Parses the key JSON.
     *
     * @param json  the file's content
     * @param where what the JSON came from, for messages ({@code credentials_file}, {@code api_key})
     * @throws IllegalArgumentException naming the missing or malformed field
     */
    static ServiceAccountKey parse(String json, String where) {
        JsonNode root;
        try {
            root = WireJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": not a service-account key (not valid JSON)");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where + ": not a service-account key (not a JSON object)");
        }
        String type = root.path("type").asText("");
        if (!type.equals("service_account")) {
            throw new IllegalArgumentException(where + ": expected a service-account key (\"type\": \"service_account\"), got type '"
                    + (type.length() > 40 ? type.substring(0, 40) : type) + "'");
        }
        String email = text(root, "client_email");
        if (email == null) {
            throw new IllegalArgumentException(where + ": the service-account key has no client_email");
        }
        String pem = text(root, "private_key");
        if (pem == null) {
            throw new IllegalArgumentException(where + ": the service-account key has no private_key");
        }
        return new ServiceAccountKey(email, text(root, "private_key_id"), rsaKey(pem, where), text(root, "token_uri"),
                text(root, "project_id"));
    }

    /** An RSA key from PEM PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), the form Google issues. */
    static PrivateKey rsaKey(String pem, String where) {
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(where + ": private_key is not a PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----)");
        }
        String base64 = pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            // The cause's message could quote key bytes: it is dropped.
            throw new IllegalArgumentException(where + ": private_key is not a valid RSA private key");
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        return v == null || !v.isTextual() || v.asText().isBlank() ? null : v.asText();
    }

    /** Leaves the private key out: a record's default toString would print it. */
    @Override
    public String toString() {
        return "ServiceAccountKey[client_email=" + clientEmail + ", private_key_id=" + privateKeyId + ", private_key=***]";
    }
}
