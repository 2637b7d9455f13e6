package dev.detour.core.net;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS material from PEM files, for the inbound server ({@code server.tls}) and for the upstream
 * clients ({@code providers.*.tls}). Core reads the files itself rather than handing paths to
 * Vert.x, so that a missing, unreadable or mismatched file is a config error at load time naming
 * the file (and the YAML path, added by the caller) instead of a handshake that fails later, and
 * so that what was validated is exactly what is served.
 *
 * <p>Keys: PKCS#8 ({@code BEGIN PRIVATE KEY}, RSA, EC or Ed25519), PKCS#1 ({@code BEGIN RSA
 * PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}), unencrypted. A key must belong to the
 * first certificate of its chain. Messages name the file and the problem, never any of its
 * content. Stateless and thread-safe; blocking file I/O (call it off the event loop, as config
 * loading is).
 */
public final class Tls {
    /** A PEM file larger than this is not a certificate or key (and is not read into memory). */
    private static final long MAX_PEM_BYTES = 1 << 20;
    /** Protects the in-memory key store only; the key never leaves this process. */
    private static final char[] STORE_PASSWORD = "detour".toCharArray();

    private Tls() {
    }

    /** A file that cannot serve as TLS material; the message names the file and why, never its content. */
    public static final class FileProblem extends Exception {
        private final transient Path file;

        /** A problem with {@code file}. */
        public FileProblem(Path file, String why) {
            super(file + ": " + why, null, false, false);
            this.file = file;
        }

        /** The file at fault. */
        public Path file() {
            return file;
        }
    }

    /**
     * The server's options for {@code server.tls}: its certificate and, with {@code client_ca}, client
     * certificate authentication. Reads the files now, so a rotated certificate is picked up by
     * calling this again.
     *
     * @throws FileProblem when a file cannot be read or does not hold what it should
     */
    public static ServerSSLOptions serverOptions(Path cert, Path key, Path clientCa, boolean clientAuthRequired)
            throws FileProblem {
        ServerSSLOptions o = new ServerSSLOptions().setKeyCertOptions(identity(cert, key));
        if (clientCa != null) {
            o.setTrustOptions(trust(clientCa)).setClientAuth(clientAuthRequired ? ClientAuth.REQUIRED : ClientAuth.REQUEST);
        }
        return o;
    }

    /**
     * A certificate chain and its private key as Vert.x key options.
     *
     * @throws FileProblem when either file cannot be read, holds no certificate or key, or the key
     *                     does not belong to the chain's first certificate
     */
    public static KeyCertOptions identity(Path certFile, Path keyFile) throws FileProblem {
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new FileProblem(keyFile, "this private key does not belong to the certificate in " + certFile);
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("detour", key, STORE_PASSWORD, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, STORE_PASSWORD);
            return KeyCertOptions.wrap(kmf);
        } catch (GeneralSecurityException | IOException e) {
            throw new FileProblem(keyFile, "cannot be used as a TLS key (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * The certificates of a CA file as the only ones trusted (the JVM's default CAs are not).
     *
     * @throws FileProblem when the file cannot be read or holds no certificate
     */
    public static TrustOptions trust(Path caFile) throws FileProblem {
        List<X509Certificate> cas = certificates(caFile);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return TrustOptions.wrap(tmf);
        } catch (GeneralSecurityException | IOException e) {
            throw new FileProblem(caFile, "cannot be used as trusted CAs (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Every {@code CERTIFICATE} block of a PEM file, in order (a chain: the leaf first).
     *
     * @throws FileProblem when the file cannot be read, holds none, or one does not parse
     */
    public static List<X509Certificate> certificates(Path file) throws FileProblem {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type.equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der)));
                }
            }
        } catch (CertificateException e) {
            throw new FileProblem(file, "holds a CERTIFICATE block that is not a valid X.509 certificate");
        }
        if (out.isEmpty()) {
            throw new FileProblem(file, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /**
     * The private key of a PEM file.
     *
     * @throws FileProblem when the file cannot be read, holds no key, holds an encrypted one, or
     *                     the key does not parse
     */
    public static PrivateKey privateKey(Path file) throws FileProblem {
        for (Block b : blocks(file)) {
            switch (b.type) {
                case "PRIVATE KEY":
                    return pkcs8(file, b.der);
                case "RSA PRIVATE KEY":
                    return pkcs8(file, Der.pkcs8(Der.RSA_ALGORITHM, b.der));
                case "EC PRIVATE KEY":
                    return pkcs8(file, Der.pkcs8(Der.ecAlgorithm(b.der, file), b.der));
                case "ENCRYPTED PRIVATE KEY":
                    throw new FileProblem(file, "holds an encrypted private key; Detour reads unencrypted keys "
                            + "(protect the file with its permissions instead; decrypt with: openssl pkey -in FILE -out NEW)");
                default:
                    break;
            }
        }
        throw new FileProblem(file, "holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws FileProblem {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new FileProblem(file, "holds a private key that is not a valid RSA, EC or EdDSA key");
    }

    /** Whether {@code key} signs what {@code pub} verifies: the key belongs to the certificate. */
    private static boolean matches(PrivateKey key, PublicKey pub) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (alg == null) {
            return true; // no way to tell here: the handshake will
        }
        try {
            byte[] probe = "detour key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(Path file) throws FileProblem {
        String text;
        try {
            if (!Files.isRegularFile(file)) {
                throw new FileProblem(file, Files.exists(file) ? "is not a file" : "no such file");
            }
            if (Files.size(file) > MAX_PEM_BYTES) {
                throw new FileProblem(file, "is larger than 1MB: not a PEM certificate or key");
            }
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new FileProblem(file, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        List<Block> out = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                break;
            }
            int typeEnd = text.indexOf("-----", begin + 11);
            if (typeEnd < 0) {
                break;
            }
            String type = text.substring(begin + 11, typeEnd);
            String endMarker = "-----END " + type + "-----";
            int end = text.indexOf(endMarker, typeEnd);
            if (end < 0) {
                throw new FileProblem(file, "has a '" + type + "' block without its END line");
            }
            String body = text.substring(typeEnd + 5, end);
            if (body.indexOf(':') >= 0) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED) mark a legacy encrypted key
                throw new FileProblem(file, "holds an encrypted or headed '" + type + "' block; Detour reads "
                        + "unencrypted keys (decrypt with: openssl pkey -in FILE -out NEW)");
            }
            try {
                out.add(new Block(type, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new FileProblem(file, "has a '" + type + "' block that is not valid base64");
            }
            at = end + endMarker.length();
        }
        return out;
    }

    /** The few DER steps that turn PKCS#1 and SEC1 keys into PKCS#8, which the JDK reads. */
    static final class Der {
        /** AlgorithmIdentifier { rsaEncryption, NULL }. */
        static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
                0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        /** OID 1.2.840.10045.2.1 (id-ecPublicKey). */
        private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

        private Der() {
        }

        /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key }. */
        static byte[] pkcs8(byte[] algorithm, byte[] key) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(new byte[] {0x02, 0x01, 0x00});
            body.writeBytes(algorithm);
            body.writeBytes(tlv(0x04, key));
            return tlv(0x30, body.toByteArray());
        }

        /**
         * AlgorithmIdentifier { id-ecPublicKey, curve } for a SEC1 key, the curve read from its
         * {@code [0] parameters} field.
         */
        static byte[] ecAlgorithm(byte[] sec1, Path file) throws FileProblem {
            try {
                int[] seq = header(sec1, 0);         // ECPrivateKey SEQUENCE
                int at = seq[0];
                int end = seq[0] + seq[1];
                while (at < end) {
                    int tag = sec1[at] & 0xff;
                    int[] h = header(sec1, at);
                    if (tag == 0xa0) {
                        int[] oid = header(sec1, h[0]);
                        byte[] curve = java.util.Arrays.copyOfRange(sec1, h[0], oid[0] + oid[1]);
                        ByteArrayOutputStream alg = new ByteArrayOutputStream();
                        alg.writeBytes(EC_PUBLIC_KEY);
                        alg.writeBytes(curve);
                        return tlv(0x30, alg.toByteArray());
                    }
                    at = h[0] + h[1];
                }
            } catch (ArrayIndexOutOfBoundsException e) {
                // falls through to the problem below
            }
            throw new FileProblem(file, "holds an EC PRIVATE KEY without its curve; convert it with: "
                    + "openssl pkcs8 -topk8 -nocrypt -in FILE -out NEW");
        }

        /** {content offset, content length} of the element at {@code at}. */
        private static int[] header(byte[] der, int at) {
            int len = der[at + 1] & 0xff;
            int off = at + 2;
            if (len > 0x80) {
                int n = len & 0x7f;
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (der[off++] & 0xff);
                }
            }
            return new int[] {off, len};
        }

        private static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int n = content.length;
            if (n < 0x80) {
                out.write(n);
            } else if (n < 0x100) {
                out.write(0x81);
                out.write(n);
            } else if (n < 0x10000) {
                out.write(0x82);
                out.write(n >> 8);
                out.write(n);
            } else {
                out.write(0x83);
                out.write(n >> 16);
                out.write(n >> 8);
                out.write(n);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }
    }
}
