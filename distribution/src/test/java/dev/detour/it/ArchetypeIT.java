package dev.detour.it;

import dev.detour.api.Clock;
import dev.detour.core.boot.Detour;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an outside team does: {@code mvn archetype:generate} a plugin project of each kind against
 * the locally installed Detour artifacts, build it (its own unit test and gateway test run), drop
 * the jar into a copy of the distribution's plugins folder, and send a request through it.
 *
 * <p>The artifacts are the ones this reactor just built, laid out in a temporary local repository
 * whose other folders link to ~/.m2 (read-only use, offline): the shared ~/.m2 is never written.
 * One kind ({@code routing}) runs by default, every kind with {@code -Ddx.full=true}.
 */
class ArchetypeIT {
    static final Path ROOT = Path.of(System.getProperty("detour.root", "..")).toAbsolutePath().normalize();
    static final String VERSION = System.getProperty("detour.version", "0.1.0-SNAPSHOT");
    /** dir, artifactId, packaging, whether it has a test-jar. */
    static final String[][] MODULES = {
            {".", "detour-parent", "pom", ""}, {"plugin-api", "plugin-api", "jar", "tests"},
            {"wire", "wire", "pom", ""}, {"wire/http", "wire-http", "jar", ""}, {"wire/openai", "wire-openai", "jar", ""},
            {"wire/anthropic", "wire-anthropic", "jar", ""}, {"wire/responses", "wire-responses", "jar", ""},
            {"core", "core", "jar", ""}, {"plugins", "plugins", "pom", ""},
            {"plugins/provider-openai", "provider-openai", "jar", ""}, {"plugins/routing-basic", "routing-basic", "jar", ""},
            {"plugin-parent", "detour-plugin-parent", "pom", ""}, {"testkit", "detour-testkit", "jar", ""},
            {"archetype", "detour-plugin-archetype", "jar", ""}};

    static Path repo;
    static Path work;
    static Vertx vertx;

    @BeforeAll
    static void localRepository() throws IOException {
        work = Files.createTempDirectory("detour-archetype");
        repo = Files.createDirectories(work.resolve("m2"));
        Path shared = Path.of(System.getProperty("user.home"), ".m2", "repository");
        try (Stream<Path> top = Files.list(shared)) {
            for (Path p : top.toList()) {
                if (!p.getFileName().toString().equals("dev")) {
                    Files.createSymbolicLink(repo.resolve(p.getFileName()), p);
                }
            }
        }
        try (Stream<Path> dev = Files.list(shared.resolve("dev"))) {
            for (Path p : dev.toList()) {
                if (!p.getFileName().toString().equals("detour")) {
                    Files.createDirectories(repo.resolve("dev"));
                    Files.createSymbolicLink(repo.resolve("dev").resolve(p.getFileName()), p);
                }
            }
        }
        for (String[] m : MODULES) {
            Path dir = repo.resolve("dev/detour").resolve(m[1]).resolve(VERSION);
            Files.createDirectories(dir);
            Path module = ROOT.resolve(m[0]);
            Files.copy(module.resolve("pom.xml"), dir.resolve(m[1] + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
            if (m[2].equals("jar")) {
                Path jar = module.resolve("target/" + m[1] + "-" + VERSION + ".jar");
                assertTrue(Files.isRegularFile(jar), "the reactor builds " + jar);
                Files.copy(jar, dir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            if (m[3].equals("tests")) {
                Path jar = module.resolve("target/" + m[1] + "-" + VERSION + "-tests.jar");
                Files.copy(jar, dir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void close() {
        if (vertx != null) {
            Harness.await(vertx.close());
        }
    }

    static void mvn(Path dir, String... args) {
        // Offline when everything the generated build needs is at hand; a fresh machine (CI's first
        // run) fetches the archetype plugin from Maven Central once, into its own cache.
        boolean offline = Files.isDirectory(Path.of(System.getProperty("user.home"),
                ".m2/repository/org/apache/maven/plugins/maven-archetype-plugin/3.4.1"));
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "-Dmaven.repo.local=" + repo));
        if (offline) {
            cmd.add(1, "-o");
        }
        cmd.addAll(List.of(args));
        try {
            Path log = work.resolve("mvn-" + System.nanoTime() + ".log");
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish");
            }
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + " in " + dir + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Generates and builds a plugin project of this kind; returns its jar. */
    static Path generateAndBuild(String kind, String name, String type) {
        String artifact = "acme-" + kind;
        mvn(work, "org.apache.maven.plugins:maven-archetype-plugin:3.4.1:generate", "-DarchetypeGroupId=dev.detour",
                "-DarchetypeArtifactId=detour-plugin-archetype", "-DarchetypeVersion=" + VERSION, "-DgroupId=com.acme",
                "-DartifactId=" + artifact, "-Dversion=1.2.0", "-Dpackage=com.acme." + kind, "-Dkind=" + kind,
                "-Dname=" + name, "-Dtype=" + type);
        Path project = work.resolve(artifact);
        mvn(project, "verify");
        return project.resolve("target/" + artifact + "-1.2.0.jar");
    }

    /** A plugins folder: the distribution's bundled plugins plus {@code jar}. */
    static Path pluginsWith(Path jar) throws IOException {
        Path dir = Files.createTempDirectory(work, "plugins");
        try (Stream<Path> jars = Files.list(Harness.PLUGINS)) {
            for (Path j : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(j, dir.resolve(j.getFileName()));
            }
        }
        Files.copy(jar, dir.resolve(jar.getFileName()));
        return dir;
    }

    static Detour start(Path plugins, String yaml) throws Exception {
        Detour.Options o = new Detour.Options(Harness.write(Harness.withShortGrace(yaml)), plugins, System::getenv, vertx,
                Clock.SYSTEM, java.util.random.RandomGeneratorFactory.of("L64X128MixRandom").create(42), 0);
        return Harness.await(Detour.start(o));
    }

    @Test
    void a_generated_routing_strategy_builds_loads_from_its_jar_and_routes() throws Exception {
        Path jar = generateAndBuild("routing", "Prefer", "prefer");
        Path plugins = pluginsWith(jar);

        Cli.Result listed = Cli.run(Map.of("DETOUR_HOME", plugins.getParent().toString()), "plugins", "--dir", plugins.toString());
        assertEquals(0, listed.exit(), listed.err());
        assertTrue(listed.out().contains("acme-routing") && listed.out().contains("1.2.0")
                && listed.out().contains("strategy:prefer"), listed.out());

        try (FakeUpstream a = Harness.await(new FakeUpstream(vertx, "a").start());
             FakeUpstream b = Harness.await(new FakeUpstream(vertx, "b").start())) {
            Detour d = start(plugins, """
                    providers:
                      a: { type: openai, base_url: "%s", api_key: k }
                      b: { type: openai, base_url: "%s", api_key: k }
                    routes:
                      chat: { strategy: { type: prefer, prefer: b }, targets: [ { provider: a, model: m }, { provider: b, model: m } ] }
                    """.formatted(a.baseUrl(), b.baseUrl()));
            try {
                Harness.Reply r = Harness.post(vertx, d.port(), "/v1/chat/completions", Harness.chat("chat", false));
                assertEquals(200, r.status(), r.body());
                assertEquals("b/m", r.header("x-detour-target"));
                assertEquals(0, a.calls());
            } finally {
                Harness.await(d.stop());
            }
        }
    }

    @Test
    void every_kind_generates_a_project_that_builds_and_loads() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("dx.full"), "the other kinds run with -Ddx.full=true");
        for (String[] k : new String[][] {{"detector", "Refusal", "refusal"}, {"guardrail", "Banned", "banned"},
                {"cache", "Tiny", "tiny"}, {"provider", "Acme", "acme"}}) {
            Path jar = generateAndBuild(k[0], k[1], k[2]);
            Cli.Result listed = Cli.run("plugins", "--dir", pluginsWith(jar).toString());
            assertEquals(0, listed.exit(), listed.err());
            assertTrue(listed.out().contains("acme-" + k[0]) && listed.out().contains(":" + k[2]), listed.out());
        }
    }
}
