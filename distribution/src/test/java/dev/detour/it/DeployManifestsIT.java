package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.Units;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container image definition and the Kubernetes manifests (distribution/deploy) checked against
 * the configuration they mount and the distribution they package. No container runtime or cluster
 * runs here: the test parses them, validates the ConfigMap's config with {@code detour validate}
 * under the environment a pod would have (the image's ENV, the Secret, the Deployment's env), and
 * starts the distribution on that config to call the probe paths the Deployment names.
 */
class DeployManifestsIT {
    static final Path DEPLOY = Path.of("deploy");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    record Dockerfile(String from, Map<String, String> env, List<String> copied, List<String> runs, String user,
                      List<Integer> exposed, String entrypoint) {
        static Dockerfile read(Path file) throws Exception {
            String from = null;
            String user = null;
            String entrypoint = null;
            Map<String, String> env = new LinkedHashMap<>();
            List<String> copied = new ArrayList<>();
            List<String> runs = new ArrayList<>();
            List<Integer> exposed = new ArrayList<>();
            // Continuation lines joined, comments dropped: one instruction per entry.
            String text = Files.readString(file).replaceAll("(?m)^\\s*#.*\\n", "").replace("\\\n", " ");
            for (String line : text.split("\n")) {
                String[] ins = line.trim().split("\\s+", 2);
                if (ins.length < 2) {
                    continue;
                }
                switch (ins[0]) {
                    case "FROM" -> from = ins[1];
                    case "ENV" -> {
                        Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(ins[1]);
                        while (m.find()) {
                            env.put(m.group(1), m.group(2));
                        }
                    }
                    case "COPY" -> {
                        String[] parts = ins[1].replaceAll("--\\S+", "").trim().split("\\s+");
                        copied.add(parts[0].replaceAll("/$", ""));
                    }
                    case "RUN" -> runs.add(ins[1]);
                    case "USER" -> user = ins[1];
                    case "EXPOSE" -> exposed.add(Integer.parseInt(ins[1].trim()));
                    case "ENTRYPOINT" -> entrypoint = ins[1];
                    default -> {
                    }
                }
            }
            return new Dockerfile(from, env, copied, runs, user, exposed, entrypoint);
        }
    }

    static Map<String, JsonNode> manifests() throws Exception {
        Map<String, JsonNode> byKind = new HashMap<>();
        try (var parser = YAML.getFactory().createParser(DEPLOY.resolve("kubernetes/detour.yaml").toFile())) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                assertNull(byKind.put(doc.path("kind").asText(), doc), "one " + doc.path("kind").asText() + " expected");
            }
        }
        return byKind;
    }

    /** The environment the container gets: the image's ENV, then the Secret (envFrom), then the Deployment's env. */
    static Map<String, String> podEnv(Dockerfile image, Map<String, JsonNode> k8s) {
        Map<String, String> env = new HashMap<>(image.env());
        k8s.get("Secret").path("stringData").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        for (JsonNode e : container(k8s).path("env")) {
            env.put(e.path("name").asText(), e.path("value").asText());
        }
        // The image's /opt/detour is the assembled distribution here.
        assertEquals("/opt/detour", env.get("DETOUR_HOME"));
        env.put("DETOUR_HOME", Harness.DETOUR_DIR.toAbsolutePath().toString());
        return env;
    }

    static JsonNode container(Map<String, JsonNode> k8s) {
        JsonNode containers = k8s.get("Deployment").path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    @Test
    void the_image_packages_the_distribution_as_a_non_root_user_with_its_class_data_archive() throws Exception {
        Dockerfile image = Dockerfile.read(DEPLOY.resolve("Dockerfile"));
        assertTrue(image.from().matches("eclipse-temurin:\\d+-jre(-\\S+)?"), "a JRE base image: " + image.from());
        int javaRelease = Integer.parseInt(image.from().replaceAll("\\D*(\\d+).*", "$1"));
        assertTrue(javaRelease >= 17, "Detour runs on 17, 21 and 25: " + image.from());
        // Every part of the distribution's layout is copied, and each exists in the assembled one.
        assertEquals(List.of("bin", "lib", "conf", "plugins"), image.copied());
        for (String dir : image.copied()) {
            assertTrue(Files.isDirectory(Harness.DETOUR_DIR.resolve(dir)), dir + " is not in the distribution");
        }
        assertTrue(image.runs().stream().anyMatch(r -> r.contains("/opt/detour/bin/detour cds")),
                "the class-data archive is written for the image's JRE: " + image.runs());
        assertNotNull(image.user(), "the image names a user");
        assertFalse(image.user().startsWith("0") || image.user().startsWith("root"), "not root: " + image.user());
        assertEquals("/opt/detour", image.env().get("DETOUR_HOME"));
        assertTrue(image.entrypoint().contains("/opt/detour/bin/detour"), image.entrypoint());
        // bin/detour execs the JVM: in exec form it is the process the runtime's SIGTERM reaches.
        assertTrue(image.entrypoint().startsWith("["), "exec form: " + image.entrypoint());
        assertTrue(Files.readString(Harness.DETOUR_DIR.resolve("bin/detour")).contains("exec \"$JAVA\""));
    }

    @Test
    void the_manifests_agree_with_the_config_they_mount_and_the_image_they_run() throws Exception {
        Dockerfile image = Dockerfile.read(DEPLOY.resolve("Dockerfile"));
        Map<String, JsonNode> k8s = manifests();
        for (String kind : List.of("ConfigMap", "Secret", "Deployment", "PodDisruptionBudget", "Service")) {
            assertTrue(k8s.containsKey(kind), kind + " missing");
        }
        Map<String, String> env = podEnv(image, k8s);
        String yaml = k8s.get("ConfigMap").path("data").path("detour.yaml").asText();
        Path config = Files.createTempDirectory("detour-k8s").resolve("detour.yaml");
        Files.writeString(config, yaml);

        // The config the pod would read is valid under the pod's environment.
        Cli.Result valid = Cli.run(env, "validate", config.toString());
        assertEquals(0, valid.exit(), valid.out() + valid.err());
        ObjectNode root = ConfigLoader.parse(config, yaml, env::get).root();
        int port = root.path("server").path("port").asInt();
        Duration grace = Units.duration(root.path("server").path("shutdown_grace").asText());
        assertEquals("0.0.0.0", root.path("server").path("host").asText(), "reachable from the Service");

        // The config is mounted where the image's DETOUR_HOME looks for it, as a directory (so edits reach the pod).
        JsonNode c = container(k8s);
        JsonNode pod = k8s.get("Deployment").path("spec").path("template").path("spec");
        String configVolume = null;
        for (JsonNode m : c.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(image.env().get("DETOUR_HOME") + "/conf")) {
                configVolume = m.path("name").asText();
                assertTrue(m.path("subPath").isMissingNode(), "a subPath mount never sees a ConfigMap edit");
            }
        }
        assertNotNull(configVolume, "the config is mounted at DETOUR_HOME/conf");
        boolean fromConfigMap = false;
        for (JsonNode v : pod.path("volumes")) {
            fromConfigMap |= v.path("name").asText().equals(configVolume)
                    && v.path("configMap").path("name").asText().equals(k8s.get("ConfigMap").path("metadata").path("name").asText());
        }
        assertTrue(fromConfigMap, "the config volume is the ConfigMap");
        assertEquals(k8s.get("Secret").path("metadata").path("name").asText(),
                c.path("envFrom").get(0).path("secretRef").path("name").asText(), "keys come from the Secret");

        // Ports: the config's, the container's, the image's, the probes' and the Service's are one.
        JsonNode http = c.path("ports").get(0);
        assertEquals(port, http.path("containerPort").asInt(), "containerPort is the config's server.port");
        assertTrue(image.exposed().contains(port), "the image exposes the config's port");
        String portName = http.path("name").asText();
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertEquals(portName, c.path(probe).path("httpGet").path("port").asText(), probe);
        }
        assertEquals("/healthz", c.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("/readyz", c.path("readinessProbe").path("httpGet").path("path").asText());
        JsonNode svc = k8s.get("Service").path("spec");
        assertEquals(portName, svc.path("ports").get(0).path("targetPort").asText());

        // Selectors pick the pods.
        JsonNode labels = k8s.get("Deployment").path("spec").path("template").path("metadata").path("labels");
        assertEquals(labels, svc.path("selector"));
        assertEquals(labels, k8s.get("PodDisruptionBudget").path("spec").path("selector").path("matchLabels"));
        assertEquals(labels, k8s.get("Deployment").path("spec").path("selector").path("matchLabels"));
        assertTrue(k8s.get("Deployment").path("spec").path("replicas").asInt() >= 2, "several instances");
        assertTrue(k8s.get("PodDisruptionBudget").path("spec").path("minAvailable").asInt() >= 1);

        // The kubelet's SIGKILL never cuts a drain: grace > preStop pause + shutdown_grace.
        long preStop = c.path("lifecycle").path("preStop").path("sleep").path("seconds").asLong();
        long termination = pod.path("terminationGracePeriodSeconds").asLong();
        assertTrue(termination > preStop + grace.toSeconds(),
                "terminationGracePeriodSeconds " + termination + " <= preStop " + preStop + " + shutdown_grace " + grace);

        // The pod runs as the image's user, never root.
        assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean());
        assertEquals(image.user().split(":")[0], pod.path("securityContext").path("runAsUser").asText());
        assertFalse(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true));
    }

    @Test
    void the_probe_paths_answer_on_the_config_the_pods_mount() throws Exception {
        Dockerfile image = Dockerfile.read(DEPLOY.resolve("Dockerfile"));
        Map<String, JsonNode> k8s = manifests();
        Map<String, String> env = podEnv(image, k8s);
        env.put("DETOUR_HOST", "127.0.0.1"); // loopback only, here
        Path config = Files.createTempDirectory("detour-k8s").resolve("detour.yaml");
        Files.writeString(config, k8s.get("ConfigMap").path("data").path("detour.yaml").asText());
        JsonNode c = container(k8s);
        Process p = Cli.builder(env, "run", "--config", config.toString(), "--port", "0").start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "the gateway never said it was listening");
            HttpClient client = HttpClient.newHttpClient();
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                String path = c.path(probe).path("httpGet").path("path").asText();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), probe + " " + path + ": " + r.body());
            }
            p.toHandle().destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the gateway did not stop on SIGTERM");
        } finally {
            p.destroyForcibly();
        }
    }
}
