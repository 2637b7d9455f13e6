package dev.detour.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the assembled distribution's bin/detour as a separate process. */
final class Cli {
    private Cli() {
    }

    record Result(int exit, String out, String err) {
    }

    static ProcessBuilder builder(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Harness.DETOUR_DIR.resolve("bin/detour").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().keySet().removeAll(Harness.PROXY_VARIABLES);
        pb.environment().putAll(env);
        return pb;
    }

    static Result run(Map<String, String> env, String... args) {
        try {
            // Output goes to files, not pipes: a command that prints more than a pipe holds must not
            // block on a reader that only reads once it has exited.
            java.nio.file.Path out = java.nio.file.Files.createTempFile("detour-cli", ".out");
            java.nio.file.Path err = java.nio.file.Files.createTempFile("detour-cli", ".err");
            try {
                Process p = builder(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("detour " + String.join(" ", args) + " did not finish");
                }
                return new Result(p.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
                        java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                java.nio.file.Files.deleteIfExists(out);
                java.nio.file.Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Result run(String... args) {
        return run(Map.of(), args);
    }

    static Path conf() {
        return Harness.DETOUR_DIR.resolve("conf/detour.yaml");
    }
}
