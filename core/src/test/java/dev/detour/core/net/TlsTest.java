package dev.detour.core.net;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsTest {
    @TempDir
    static Path dir;
    static TestCerts.Pair ca;
    static TestCerts.Pair leaf;

    @BeforeAll
    static void certs() {
        TestCerts certs = new TestCerts(dir);
        ca = certs.ca("test-ca");
        leaf = certs.leaf(ca, "server");
    }

    @Test
    void reads_a_certificate_and_its_pkcs8_key() throws Exception {
        assertEquals("CN=server", Tls.certificates(leaf.cert()).get(0).getSubjectX500Principal().getName());
        assertEquals("EC", Tls.privateKey(leaf.key()).getAlgorithm());
        assertNotNull(Tls.identity(leaf.cert(), leaf.key()));
        assertNotNull(Tls.trust(ca.cert()));
    }

    @Test
    void reads_sec1_ec_and_pkcs1_rsa_keys() throws Exception {
        Path sec1 = dir.resolve("sec1-key.pem");
        TestCerts.openssl("pkey", "-in", leaf.key().toString(), "-traditional", "-out", sec1.toString());
        assertTrue(Files.readString(sec1).contains("BEGIN EC PRIVATE KEY"));
        assertNotNull(Tls.identity(leaf.cert(), sec1), "the SEC1 form of the same key matches the certificate");

        Path rsaCert = dir.resolve("rsa.pem");
        Path rsaKey = dir.resolve("rsa-key.pem");
        Path pkcs1 = dir.resolve("rsa-pkcs1-key.pem");
        TestCerts.openssl("req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", rsaKey.toString(), "-out",
                rsaCert.toString(), "-days", "1", "-subj", "/CN=rsa");
        TestCerts.openssl("pkey", "-in", rsaKey.toString(), "-traditional", "-out", pkcs1.toString());
        assertTrue(Files.readString(pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        assertEquals("RSA", Tls.privateKey(pkcs1).getAlgorithm());
        assertNotNull(Tls.identity(rsaCert, pkcs1));
    }

    @Test
    void refuses_a_key_that_belongs_to_another_certificate() {
        Tls.FileProblem e = assertThrows(Tls.FileProblem.class, () -> Tls.identity(leaf.cert(), ca.key()));
        assertEquals(ca.key(), e.file());
        assertTrue(e.getMessage().contains("does not belong to the certificate in " + leaf.cert()), e.getMessage());
    }

    @Test
    void names_the_file_and_the_problem_never_its_content() throws Exception {
        Path missing = dir.resolve("nope.pem");
        Tls.FileProblem e = assertThrows(Tls.FileProblem.class, () -> Tls.trust(missing));
        assertEquals(missing + ": no such file", e.getMessage());

        e = assertThrows(Tls.FileProblem.class, () -> Tls.certificates(leaf.key()));
        assertEquals(leaf.key() + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)", e.getMessage());

        e = assertThrows(Tls.FileProblem.class, () -> Tls.privateKey(leaf.cert()));
        assertTrue(e.getMessage().endsWith("holds no PEM private key (-----BEGIN PRIVATE KEY-----)"), e.getMessage());

        Path encrypted = dir.resolve("encrypted-key.pem");
        TestCerts.openssl("pkey", "-in", leaf.key().toString(), "-aes256", "-passout", "pass:secret", "-out",
                encrypted.toString());
        e = assertThrows(Tls.FileProblem.class, () -> Tls.privateKey(encrypted));
        assertTrue(e.getMessage().contains("holds an encrypted private key"), e.getMessage());

        Path broken = dir.resolve("broken-key.pem");
        String key = Files.readString(leaf.key());
        String body = key.substring(key.indexOf('\n') + 1, key.indexOf("-----END"));
        Files.writeString(broken, "-----BEGIN PRIVATE KEY-----\n" + body.substring(0, 40) + "\n-----END PRIVATE KEY-----\n");
        e = assertThrows(Tls.FileProblem.class, () -> Tls.privateKey(broken));
        assertFalse(e.getMessage().contains(body.substring(0, 20)), "no key material in " + e.getMessage());
        assertTrue(e.getMessage().contains("not a valid RSA, EC or EdDSA key"), e.getMessage());
    }
}
