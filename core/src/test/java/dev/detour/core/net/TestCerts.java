package dev.detour.core.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates a test makes for itself with the machine's {@code openssl} (no private key is
 * checked in): a CA, and leaves it signs for {@code localhost} / {@code 127.0.0.1}. EC P-256 keys,
 * valid for two days.
 */
public final class TestCerts {
    private final Path dir;

    public TestCerts(Path dir) {
        this.dir = dir;
    }

    /** A certificate file and its key file. */
    public record Pair(Path cert, Path key) {
    }

    /** A self-signed CA {@code name}.pem / {@code name}-key.pem. */
    public Pair ca(String name) {
        Pair p = pair(name);
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", p.key().toString(), "-out", p.cert().toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return p;
    }

    /** A leaf {@code name} signed by {@code ca}, for localhost and 127.0.0.1, usable by servers and clients. */
    public Pair leaf(Pair ca, String name) {
        return leaf(ca, name, "DNS:localhost,IP:127.0.0.1");
    }

    /** A leaf {@code name} signed by {@code ca} with the given subjectAltName value. */
    public Pair leaf(Pair ca, String name, String san) {
        Pair p = pair(name);
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        try {
            Files.writeString(ext, "subjectAltName=" + san + "\nbasicConstraints=CA:FALSE\n"
                    + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", p.key().toString(),
                "-out", csr.toString(), "-subj", "/CN=" + name);
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
                "-set_serial", Long.toString(System.nanoTime() & 0x7fffffffffffL), "-days", "2",
                "-extfile", ext.toString(), "-out", p.cert().toString());
        return p;
    }

    /** Runs openssl with {@code args}, failing the test with its output when it fails. */
    public static void openssl(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("openssl is needed to make test certificates", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Pair pair(String name) {
        return new Pair(dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"));
    }
}
