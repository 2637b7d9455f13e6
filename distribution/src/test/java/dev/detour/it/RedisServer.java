package dev.detour.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis for the cluster tests: Debian's {@code redis-server}, installed with apt-get when
 * missing, started on a free loopback port without persistence, and stopped by PID. It can be
 * killed and started again on the same port, to test a Redis outage.
 */
final class RedisServer implements AutoCloseable {
    final int port;
    private Process process;

    RedisServer() {
        this.port = Sim.freePort();
    }

    /** The URL a gateway's {@code cluster.redis} takes. */
    String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    RedisServer start() {
        String binary = binary();
        try {
            process = new ProcessBuilder(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no")
                    .redirectErrorStream(true).start();
            process.getOutputStream().close();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                if (line.contains("Ready to accept connections")) {
                    // Keep draining its output so that it never blocks on a full pipe.
                    Thread t = new Thread(() -> {
                        try {
                            while (out.readLine() != null) {
                                // discard
                            }
                        } catch (IOException ignored) {
                            // it stopped
                        }
                    }, "redis-output");
                    t.setDaemon(true);
                    t.start();
                    return this;
                }
            }
            throw new AssertionError("redis-server did not start:\n" + seen);
        } catch (IOException e) {
            throw new AssertionError("cannot start " + binary, e);
        }
    }

    /** Kills Redis at once (SIGKILL), as a crash would, and waits until it is gone. */
    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.toHandle().destroyForcibly();
            }
        }
    }

    /** redis-server's path, installing Debian's package first when it is missing. */
    static synchronized String binary() {
        for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        run("apt-get", "update");
        run("apt-get", "install", "-y", "--no-install-recommends", "redis-server");
        if (!Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
            throw new AssertionError("redis-server is missing and apt-get could not install it");
        }
        return "/usr/bin/redis-server";
    }

    private static void run(String... cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " failed");
            }
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", cmd) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
