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
        pb.environment().putAll(env);
        return pb;
    }

    static Result run(Map<String, String> env, String... args) {
        try {
            Process p = builder(env, args).start();
            p.getOutputStream().close();
            var out = p.getInputStream();
            var err = p.getErrorStream();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("detour " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), new String(out.readAllBytes(), StandardCharsets.UTF_8),
                    new String(err.readAllBytes(), StandardCharsets.UTF_8));
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
