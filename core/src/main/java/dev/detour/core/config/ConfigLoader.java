package dev.detour.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.detour.core.config.Extensions.Kind;
import dev.detour.core.config.GatewayConfig.Breaker;
import dev.detour.core.config.GatewayConfig.Budget;
import dev.detour.core.config.GatewayConfig.Cache;
import dev.detour.core.config.GatewayConfig.Capabilities;
import dev.detour.core.config.GatewayConfig.Cluster;
import dev.detour.core.config.GatewayConfig.Degradation;
import dev.detour.core.config.GatewayConfig.Envelope;
import dev.detour.core.config.GatewayConfig.FallbackOn;
import dev.detour.core.config.GatewayConfig.Key;
import dev.detour.core.config.GatewayConfig.PluginRef;
import dev.detour.core.config.GatewayConfig.Policy;
import dev.detour.core.config.GatewayConfig.Prompt;
import dev.detour.core.config.GatewayConfig.Provider;
import dev.detour.core.config.GatewayConfig.Retry;
import dev.detour.core.config.GatewayConfig.Route;
import dev.detour.core.config.GatewayConfig.Server;
import dev.detour.core.config.GatewayConfig.Target;
import dev.detour.core.config.GatewayConfig.Telemetry;
import dev.detour.core.config.GatewayConfig.Timeouts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates a config file (CONFIG.md). Two steps, because the plugins folder is named
 * in the file and the plugins must be loaded before their types can be validated:
 * {@link #read(Path, Function)} parses the YAML and substitutes {@code ${VAR}}, then
 * {@link #validate(Document, Extensions)} checks everything and reports every problem at once.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /**
     * A whole unquoted {@code ${...}} scalar. YAML reads {@code {} as a flow mapping, so CONFIG.md's
     * {@code { api_key: ${KEY} }} is not valid YAML as written; quoting such scalars before parsing
     * makes the documented form work without changing what any valid file means.
     */
    private static final Pattern BARE_VAR = Pattern.compile(
            "(?<=[:\\[,-][ \\t]{1,20})(\\$\\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}\"'\\n]*)?})(?=[ \\t]*(?:[,}\\]]|#|$))",
            Pattern.MULTILINE);
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private static final Set<String> TOP = Set.of("server", "plugins", "providers", "envelope", "defaults", "routes",
            "keys", "telemetry", "cluster");
    private static final Set<String> POLICY_KEYS = Set.of("retry", "fallback_on", "circuit_breaker", "timeouts");
    private static final Set<String> ROUTE_KEYS = Set.of("strategy", "targets", "retry", "fallback_on",
            "circuit_breaker", "timeouts", "detectors", "quality_gate", "degradation", "stream", "cache", "guardrails",
            "hedge", "request_headers");
    /** Headers that carry credentials: no plugin ever reads them. */
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "x-api-key",
            "api-key", "cookie", "x-goog-api-key");

    private ConfigLoader() {
    }

    /** A parsed, substituted YAML document not yet validated. */
    public record Document(Path file, ObjectNode root, List<String> problems, Set<String> unresolved,
                           Map<String, String> spelled) {
        /**
         * A document.
         *
         * @param unresolved the paths whose value named an environment variable that is not set (each
         *                   already a problem; validation does not add follow-on problems about them)
         * @param spelled    the scalars YAML 1.1 reads as booleans but that were written otherwise
         *                   ({@code on}, {@code no}...), by path, as written, for messages
         */
        public Document {
            unresolved = Set.copyOf(unresolved);
            spelled = Map.copyOf(spelled);
        }

        /** A document without unresolved variables or booleans spelled otherwise. */
        public Document(Path file, ObjectNode root, List<String> problems) {
            this(file, root, problems, Set.of(), Map.of());
        }

        /** The plugins folder the document names, resolved, or {@code fallback}. */
        public Path pluginsDir(Path fallback) {
            JsonNode dir = root.path("plugins").path("dir");
            if (dir.isTextual() && !dir.asText().isEmpty()) {
                Path p = Path.of(dir.asText());
                return p.isAbsolute() ? p : file.toAbsolutePath().getParent().resolve(p).normalize();
            }
            return fallback;
        }
    }

    /**
     * Parses YAML and substitutes {@code ${NAME}} / {@code ${NAME:-default}} in every scalar.
     *
     * @throws ConfigException when the file cannot be read or is not valid YAML (with line and column)
     */
    public static Document read(Path file, Function<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read config file: " + e.getMessage()));
        }
        return parse(file, text, env);
    }

    /** Like {@link #read} for text already in memory. */
    public static Document parse(Path file, String text, Function<String, String> env) throws ConfigException {
        JsonNode root;
        Map<String, String> spelled = new HashMap<>();
        try (JsonParser parser = new SpellingRecorder(YAML.getFactory().createParser(
                BARE_VAR.matcher(text).replaceAll("\"$1\"")), spelled)) {
            root = YAML.readTree(parser);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ConfigException(List.of(file + ": YAML syntax error" + where + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read config: " + e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = JsonNodeFactory.instance.objectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException(List.of(file + ": the config must be a YAML map"));
        }
        List<String> problems = new ArrayList<>();
        Set<String> unresolved = new HashSet<>();
        substitute(root, "", env, problems, unresolved);
        return new Document(file, (ObjectNode) root, problems, unresolved, spelled);
    }

    private static void substitute(JsonNode node, String path, Function<String, String> env, List<String> problems,
                                   Set<String> unresolved) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String k : names) {
                JsonNode v = o.get(k);
                String p = path.isEmpty() ? k : path + "." + k;
                if (v.isTextual()) {
                    o.set(k, new TextNode(substitute(v.asText(), p, env, problems, unresolved)));
                } else {
                    substitute(v, p, env, problems, unresolved);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                JsonNode v = a.get(i);
                String p = path + "[" + i + "]";
                if (v.isTextual()) {
                    a.set(i, new TextNode(substitute(v.asText(), p, env, problems, unresolved)));
                } else {
                    substitute(v, p, env, problems, unresolved);
                }
            }
        }
    }

    private static String substitute(String text, String path, Function<String, String> env, List<String> problems,
                                     Set<String> unresolved) {
        if (text.indexOf("${") < 0) {
            return text;
        }
        Matcher m = VAR.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.apply(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                problems.add(path + ": environment variable " + m.group(1) + " is not set (use ${" + m.group(1)
                        + ":-default} for a default)");
                unresolved.add(path);
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Validates a document against the loaded extensions.
     *
     * @throws ConfigException with every problem found
     */
    public static GatewayConfig validate(Document doc, Extensions ext) throws ConfigException {
        List<String> problems = new ArrayList<>(doc.problems());
        Node root = new Node(doc.root(), "", problems, doc.spelled());
        Map<String, Class<?>> services = ext.types(Kind.SERVICE);
        Set<String> top = new LinkedHashSet<>(TOP);
        doc.root().fieldNames().forEachRemaining(k -> {
            if (!TOP.contains(k) && !services.containsKey(k)) {
                String hint = k.equals("simulator")
                        ? " (the 'simulator' block needs the simulator plugin, which is not in " + ext.source() + ")"
                        : " (known: " + String.join(", ", new TreeSet<>(top)) + ")";
                root.get(k).problem("unknown key" + hint);
            }
        });

        Path base = doc.file().toAbsolutePath().getParent();
        Server server = server(root.get("server"), base);
        Node plugins = root.get("plugins");
        plugins.expectMap(Set.of("dir"));

        Map<String, Provider> providers = new LinkedHashMap<>();
        Set<String> declared = new LinkedHashSet<>(root.get("providers").entries().keySet());
        Map<String, Class<?>> providerTypes = ext.types(Kind.PROVIDER);
        Node provNode = root.get("providers");
        if (!provNode.present()) {
            provNode.problem("is required: define at least one provider");
        }
        provNode.entries().forEach((name, n) -> {
            Provider p = provider(name, n, providerTypes, ext.source(), base);
            if (p != null) {
                providers.put(name, p);
            }
        });

        Envelope envelope = envelope(root.get("envelope"), providers);
        Policy defaults = policy(root.get("defaults"), Policy.DEFAULTS, Set.of());

        Map<String, Route> routes = new LinkedHashMap<>();
        root.get("routes").entries().forEach((name, n) -> {
            if (name.contains("/")) {
                n.problem("a route name cannot contain '/' (that form addresses provider/model directly)");
            }
            Route r = route(name, n, defaults, providers, declared, envelope, ext);
            if (r != null) {
                routes.put(name, r);
            }
        });

        List<Key> keys = keys(root.get("keys"), routes.keySet(), doc.unresolved(), dataDir(doc, root.get("server")));
        if (!server.allowUnauthenticated() && keys.isEmpty() && !isLoopback(server.host())) {
            root.get("server").get("host").problem("'" + server.host()
                    + "' is not a loopback address and no keys: are configured; add keys or set allow_unauthenticated: true");
        }
        Telemetry telemetry = telemetry(root.get("telemetry"), doc.file());
        Cluster cluster = cluster(root.get("cluster"));

        Map<String, JsonNode> serviceBlocks = new LinkedHashMap<>();
        services.forEach((type, optionsType) -> {
            Node n = root.get(type);
            if (n.present()) {
                List<String> found = OptionsBinder.check(n.raw(), optionsType, type);
                problems.addAll(found);
                if (found.isEmpty()) {
                    serviceBlocks.put(type, n.raw());
                }
            }
        });

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Path pluginsDir = doc.pluginsDir(null);
        return new GatewayConfig(doc.file(), server, pluginsDir, providers, envelope, defaults, routes, keys,
                telemetry, serviceBlocks, cluster);
    }

    /**
     * Whether {@code host} is a loopback address, judged from what it resolves to, never from its
     * spelling: {@code 127.attacker.example} is whatever its DNS says, and a name that does not
     * resolve is not loopback.
     */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            java.net.InetAddress[] all = java.net.InetAddress.getAllByName(h);
            for (java.net.InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (java.net.UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /**
     * {@code server.data_dir}: where state that outlives the process is kept (budget spend). A
     * relative path resolves against the config file's folder; the default is
     * {@code $DETOUR_HOME/data} (the {@code detour.home} property the launcher sets, else the
     * variable), else {@code data} next to the config file.
     */
    private static Path dataDir(Document doc, Node server) {
        Node n = server.get("data_dir");
        String dir = n.text(null);
        if (dir == null || dir.isEmpty()) {
            if (n.present()) {
                n.problem("must name a folder (or leave it out for the default, $DETOUR_HOME/data)");
            }
            String home = System.getProperty("detour.home", System.getenv("DETOUR_HOME"));
            if (home != null && !home.isEmpty()) {
                return Path.of(home).toAbsolutePath().resolve("data");
            }
            dir = "data";
        }
        Path p = Path.of(dir);
        return p.isAbsolute() ? p : doc.file().toAbsolutePath().getParent().resolve(p).normalize();
    }

    private static Server server(Node n, Path base) {
        n.expectMap(Set.of("host", "port", "max_body_size", "admin_token", "shutdown_grace",
                "allow_unauthenticated", "region", "busy_poll", "max_connections", "header_timeout", "idle_timeout",
                "body_timeout", "tls", "data_dir", "max_in_flight"));
        GatewayConfig.Connections d = GatewayConfig.Connections.DEFAULTS;
        GatewayConfig.Connections connections = new GatewayConfig.Connections(
                n.get("max_connections").integer(d.max(), 1, 1_000_000),
                positive(n.get("header_timeout"), d.headerTimeout()), positive(n.get("idle_timeout"), d.idleTimeout()),
                positive(n.get("body_timeout"), d.bodyTimeout()));
        return new Server(n.get("host").text("127.0.0.1"), n.get("port").integer(8080, 0, 65535),
                n.get("max_body_size").size(10L * 1024 * 1024), n.get("admin_token").text(""),
                n.get("shutdown_grace").duration(Duration.ofSeconds(30)),
                n.get("allow_unauthenticated").bool(false), n.get("region").text(""),
                busyPoll(n.get("busy_poll")), connections, serverTls(n.get("tls"), base),
                n.get("max_in_flight").integer(0, 1, 1_000_000));
    }

    private static Duration positive(Node n, Duration fallback) {
        Duration d = n.duration(fallback);
        if (d == null) {
            return fallback;
        }
        if (d.isZero() || d.isNegative()) {
            n.problem("must be a positive duration");
            return fallback;
        }
        return d;
    }

    /** {@code server.busy_poll}: a duration up to 1 ms, or {@code off} (YAML may read it as false). */
    private static Duration busyPoll(Node n) {
        if (n.present() && (n.raw().isBoolean() && !n.raw().asBoolean() || "off".equals(n.raw().asText()))) {
            return Duration.ZERO;
        }
        Duration d = n.duration(Server.DEFAULT_BUSY_POLL);
        if (d != null && d.compareTo(Duration.ofMillis(1)) > 0) {
            n.problem("must be at most 1ms (it is spent polling whenever the gateway would otherwise sleep)");
            return Server.DEFAULT_BUSY_POLL;
        }
        return d == null ? Server.DEFAULT_BUSY_POLL : d;
    }

    private static Provider provider(String name, Node n, Map<String, Class<?>> types, String source, Path base) {
        if (!n.expectMap(Set.of("type", "base_url", "api_key", "region", "category", "headers", "timeouts",
                "limits", "options", "labels", "tls", "proxy"))) {
            if (!n.present()) {
                n.problem("must be a map with at least 'type'");
            }
            return null;
        }
        if (name.contains("/")) {
            n.problem("a provider name cannot contain '/'");
        }
        String type = n.get("type").requiredText();
        if (type != null && !types.containsKey(type)) {
            n.get("type").problem("unknown provider type '" + type + "' (known: " + known(types) + "; plugins folder: "
                    + source + ")");
            type = null;
        }
        String baseUrl = n.get("base_url").text(null);
        if (baseUrl != null && !baseUrl.isEmpty() && !baseUrl.matches("https?://.+")) {
            n.get("base_url").problem("must be an http:// or https:// URL (was '" + baseUrl + "')");
        }
        Node limits = n.get("limits");
        int concurrency = 0;
        int rpm = 0;
        long tpm = 0;
        if (limits.expectMap(Set.of("rpm", "tpm", "concurrency"))) {
            concurrency = limits.get("concurrency").integer(0, 0, 1_000_000);
            rpm = limits.get("rpm").integer(0, 0, 100_000_000);
            tpm = limits.get("tpm").integer(0, 0, Integer.MAX_VALUE);
        }
        if (type != null) {
            OptionsBinder.check(n.get("options").raw(), types.get(type), n.get("options").path()).forEach(n::report);
        }
        String category = n.get("category").text("");
        String region = n.get("region").text("");
        Map<String, String> labels = new LinkedHashMap<>(n.get("labels").stringMap());
        labels.put("region", region);
        labels.put("category", category);
        labels.put("provider", name);
        // Read every key even when the type is unknown, so that its other mistakes are reported too.
        Map<String, String> headers = n.get("headers").stringMap();
        Timeouts timeouts = timeouts(n.get("timeouts"));
        String apiKey = emptyToNull(n.get("api_key").text(null));
        GatewayConfig.ProviderTls tls = providerTls(n.get("tls"), base, baseUrl);
        String proxy = proxy(n.get("proxy"));
        return type == null ? null : new Provider(name, type, emptyToNull(baseUrl), apiKey, region, category, headers,
                timeouts, concurrency, n.get("options").raw(), labels, tls, proxy, rpm, tpm);
    }

    // --- transport security: server.tls, providers.*.tls, providers.*.proxy (see dev.detour.core.net) ---

    /** {@code server.tls: {cert, key, client_ca, client_auth}}, its files loaded to check them; null when absent. */
    private static GatewayConfig.ServerTls serverTls(Node n, Path base) {
        if (!n.expectMap(Set.of("cert", "key", "client_ca", "client_auth"))) {
            return null;
        }
        Path cert = tlsFile(n.get("cert"), base, true);
        Path key = tlsFile(n.get("key"), base, true);
        Path clientCa = tlsFile(n.get("client_ca"), base, false);
        Node auth = n.get("client_auth");
        String mode = auth.text("required");
        if (!Set.of("required", "requested").contains(mode)) {
            auth.problem("must be required (a client without a valid certificate is refused) or requested (was '"
                    + mode + "')");
        } else if (auth.present() && clientCa == null && !n.get("client_ca").present()) {
            auth.problem("needs client_ca: the CA client certificates must chain to");
        }
        if (cert != null && key != null) {
            identity(n, cert, key);
        }
        if (clientCa != null) {
            trust(n.get("client_ca"), clientCa);
        }
        return cert == null || key == null ? null
                : new GatewayConfig.ServerTls(cert, key, clientCa, !mode.equals("requested"));
    }

    /** {@code providers.*.tls: {ca, cert, key}}, its files loaded to check them; null when absent. */
    private static GatewayConfig.ProviderTls providerTls(Node n, Path base, String baseUrl) {
        if (!n.expectMap(Set.of("ca", "cert", "key"))) {
            return null;
        }
        if (baseUrl != null && baseUrl.regionMatches(true, 0, "http:", 0, 5)) {
            n.problem("has no use with an http:// base_url (TLS applies to https:// only)");
        }
        Path ca = tlsFile(n.get("ca"), base, false);
        Path cert = tlsFile(n.get("cert"), base, false);
        Path key = tlsFile(n.get("key"), base, false);
        if (n.get("cert").present() != n.get("key").present()) {
            boolean noCert = !n.get("cert").present();
            n.get(noCert ? "cert" : "key").problem("is required with " + (noCert ? "key" : "cert")
                    + ": a client certificate goes with its private key");
        }
        if (ca != null) {
            trust(n.get("ca"), ca);
        }
        if (cert != null && key != null) {
            identity(n, cert, key);
        }
        return new GatewayConfig.ProviderTls(ca, cert, key);
    }

    /** A TLS file path, resolved against the config's folder; null (reported when required) when absent. */
    private static Path tlsFile(Node n, Path base, boolean required) {
        String f = required ? n.requiredText() : n.text(null);
        if (f == null || f.isEmpty()) {
            return null;
        }
        try {
            Path p = Path.of(f);
            return p.isAbsolute() ? p : base.resolve(p).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            n.problem("is not a file path (" + e.getReason() + ")");
            return null;
        }
    }

    private static void identity(Node block, Path cert, Path key) {
        try {
            dev.detour.core.net.Tls.identity(cert, key);
        } catch (dev.detour.core.net.Tls.FileProblem e) {
            block.get(e.file().equals(key) ? "key" : "cert").problem(e.getMessage());
        }
    }

    private static void trust(Node n, Path ca) {
        try {
            dev.detour.core.net.Tls.trust(ca);
        } catch (dev.detour.core.net.Tls.FileProblem e) {
            n.problem(e.getMessage());
        }
    }

    /** {@code providers.*.proxy}: {@code none}, or an http proxy URL (checked, never echoed: it may hold a password). */
    private static String proxy(Node n) {
        String v = n.text(null);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.equals(GatewayConfig.NO_PROXY)) {
            return v;
        }
        try {
            dev.detour.core.net.Egress.proxy(v, "proxy");
        } catch (IllegalArgumentException e) {
            n.problem(e.getMessage().substring("proxy: ".length()));
            return null;
        }
        return v;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Timeouts timeouts(Node n) {
        if (!n.expectMap(Set.of("connect", "first_token", "idle", "total"))) {
            return Timeouts.NONE;
        }
        return new Timeouts(n.get("connect").duration(null), n.get("first_token").duration(null),
                n.get("idle").duration(null), n.get("total").duration(null));
    }

    private static Envelope envelope(Node n, Map<String, Provider> providers) {
        if (!n.expectMap(Set.of("providers", "regions", "categories"))) {
            return Envelope.OPEN;
        }
        Set<String> ps = set(n.get("providers"));
        if (ps != null) {
            for (String p : ps) {
                if (!providers.containsKey(p)) {
                    n.get("providers").problem("names unknown provider '" + p + "' (known: " + known(providers) + ")");
                }
            }
        }
        return new Envelope(ps, set(n.get("regions")), set(n.get("categories")));
    }

    private static Set<String> set(Node n) {
        return n.present() ? Set.copyOf(new LinkedHashSet<>(n.texts())) : null;
    }

    /** Whether a provider lies inside the envelope. */
    public static String outsideEnvelope(Envelope e, Provider p) {
        if (e.providers() != null && !e.providers().contains(p.name())) {
            return "provider '" + p.name() + "' is outside the envelope (envelope.providers: " + sorted(e.providers()) + ")";
        }
        if (e.regions() != null && !e.regions().contains(p.region())) {
            return "region '" + p.region() + "' of provider '" + p.name() + "' is outside the envelope (envelope.regions: "
                    + sorted(e.regions()) + ")";
        }
        if (e.categories() != null && !e.categories().contains(p.category())) {
            return "category '" + p.category() + "' of provider '" + p.name()
                    + "' is outside the envelope (envelope.categories: " + sorted(e.categories()) + ")";
        }
        return null;
    }

    private static String sorted(Set<String> s) {
        return String.join(", ", new TreeSet<>(s));
    }

    private static Policy policy(Node n, Policy base, Set<String> extraKeys) {
        Set<String> allowed = new LinkedHashSet<>(POLICY_KEYS);
        allowed.addAll(extraKeys);
        if (!n.expectMap(allowed)) {
            return base;
        }
        return new Policy(retry(n.get("retry"), base.retry()), fallbackOn(n.get("fallback_on"), base.fallbackOn()),
                breaker(n.get("circuit_breaker"), base.breaker()), timeouts(n.get("timeouts")).over(base.timeouts()));
    }

    private static Retry retry(Node n, Retry base) {
        if (!n.expectMap(Set.of("attempts", "backoff", "max_backoff", "on_status", "max_retry_after"))) {
            return base;
        }
        Set<Integer> onStatus = base.onStatus();
        if (n.get("on_status").present()) {
            onStatus = new LinkedHashSet<>();
            for (Node item : n.get("on_status").items()) {
                Integer s = item.integer(null, 100, 599);
                if (s != null) {
                    onStatus.add(s);
                }
            }
            onStatus = Set.copyOf(onStatus);
        }
        return new Retry(n.get("attempts").integer(base.attempts(), 1, 20), n.get("backoff").duration(base.backoff()),
                n.get("max_backoff").duration(base.maxBackoff()), onStatus,
                n.get("max_retry_after").duration(base.maxRetryAfter()));
    }

    private static FallbackOn fallbackOn(Node n, FallbackOn base) {
        if (!n.present()) {
            return base;
        }
        Set<Integer> statuses = new LinkedHashSet<>();
        Set<String> kinds = new LinkedHashSet<>();
        for (Node item : n.items()) {
            String t = item.text("");
            if (t.matches("\\d{3}")) {
                statuses.add(Integer.parseInt(t));
            } else if (dev.detour.api.ErrorKind.fromConfigName(t) != null) {
                kinds.add(t);
            } else {
                item.problem("'" + t + "' is neither an HTTP status nor an error kind (timeout, connection, "
                        + "context_length, content_filter, rate_limit, overloaded, server_error, degraded, unsupported)");
            }
        }
        // A status in the list implies the kinds that status is classified as, so 429 covers rate limits
        // without also listing rate_limit; kinds that carry no status are only covered when named.
        return new FallbackOn(Set.copyOf(statuses), Set.copyOf(kinds));
    }

    private static Breaker breaker(Node n, Breaker base) {
        if (!n.expectMap(Set.of("failure_ratio", "min_calls", "window", "cooldown"))) {
            return base;
        }
        return new Breaker(n.get("failure_ratio").number(base.failureRatio(), 0.01, 1.0),
                n.get("min_calls").integer(base.minCalls(), 1, 100_000), n.get("window").duration(base.window()),
                n.get("cooldown").duration(base.cooldown()));
    }

    private static Route route(String name, Node n, Policy defaults, Map<String, Provider> providers,
                               Set<String> declared, Envelope envelope, Extensions ext) {
        if (!n.expectMap(ROUTE_KEYS)) {
            if (!n.present()) {
                n.problem("must be a map with 'targets'");
            }
            return null;
        }
        PluginRef strategy = pluginRef(n.get("strategy"), "priority", Kind.STRATEGY, ext);
        List<Target> targets = new ArrayList<>();
        Node tn = n.get("targets");
        if (!tn.present() || tn.raw().isEmpty()) {
            tn.problem("is required: list at least one target");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Node t : tn.items()) {
            Target target = target(t, providers, declared, envelope);
            if (target != null) {
                if (!seen.add(target.id())) {
                    t.problem("target '" + target.id() + "' is listed twice");
                }
                targets.add(target);
            }
        }
        Policy policy = policy(policyKeys(n), defaults, Set.of());

        List<PluginRef> detectors = new ArrayList<>();
        Node dn = n.get("detectors");
        if (dn.present()) {
            for (Node d : dn.items()) {
                PluginRef ref = pluginRef(d, null, Kind.DETECTOR, ext);
                if (ref != null) {
                    detectors.add(ref);
                }
            }
        } else {
            Map<String, Class<?>> known = ext.types(Kind.DETECTOR);
            for (String d : List.of("latency", "errors")) {
                if (known.containsKey(d)) {
                    detectors.add(new PluginRef(d, JsonNodeFactory.instance.objectNode(), n.path() + ".detectors"));
                }
            }
        }
        Set<String> gate = new LinkedHashSet<>();
        for (Node g : n.get("quality_gate").items()) {
            String check = g.text("");
            if (!Set.of("empty", "invalid_json").contains(check)) {
                g.problem("unknown quality check '" + check + "' (known: empty, invalid_json)");
            }
            gate.add(check);
        }
        Degradation degradation = Degradation.DEFAULTS;
        Node dg = n.get("degradation");
        if (dg.expectMap(Set.of("shift", "probe_share", "probe_interval", "hold"))) {
            String shift = dg.get("shift").text("gradual");
            if (shift.equals("false")) {
                shift = "off"; // YAML 1.1 reads a bare `off` as the boolean false
            }
            if (!Set.of("gradual", "off").contains(shift)) {
                dg.get("shift").problem("must be gradual or off (was '" + shift + "')");
            }
            degradation = new Degradation(!shift.equals("off"), dg.get("probe_share").number(0.05, 0, 1),
                    dg.get("probe_interval").duration(Degradation.DEFAULTS.probeInterval()),
                    dg.get("hold").duration(Degradation.DEFAULTS.hold()));
        }
        List<GatewayConfig.GuardrailRef> guardrails = guardrails(n.get("guardrails"), ext);
        Cache cache = cache(n.get("cache"), ext);
        Node stream = n.get("stream");
        GatewayConfig.StreamPolicy streamPolicy = GatewayConfig.StreamPolicy.DEFAULTS;
        if (stream.expectMap(Set.of("resume", "min_tokens_per_s", "probe_window"))) {
            streamPolicy = new GatewayConfig.StreamPolicy(stream.get("min_tokens_per_s").number(0.0, 0, 1e6),
                    stream.get("probe_window").duration(GatewayConfig.StreamPolicy.DEFAULTS.probeWindow()),
                    Boolean.TRUE.equals(stream.get("resume").bool(false)));
        }
        List<String> requestHeaders = new ArrayList<>();
        for (Node h : n.get("request_headers").items()) {
            String header = h.text("").toLowerCase(java.util.Locale.ROOT);
            if (!header.matches("[!#$%&'*+.^_`|~0-9a-z-]+")) {
                h.problem("must be a header name (was '" + h.text("") + "')");
            } else if (CREDENTIAL_HEADERS.contains(header)) {
                h.problem("'" + header + "' carries credentials: plugins never see it");
            } else if (requestHeaders.contains(header)) {
                h.problem("'" + header + "' is listed twice");
            } else {
                requestHeaders.add(header);
            }
        }
        return new Route(name, strategy, targets, policy, detectors, Set.copyOf(gate), degradation, streamPolicy,
                hedge(n.get("hedge")), guardrails, cache, List.copyOf(requestHeaders));
    }

    /** {@code hedge: { after: 2s | p95, max_share: 0.05 }}, or null when absent. */
    private static GatewayConfig.Hedge hedge(Node n) {
        if (!n.present()) {
            return null;
        }
        if (!n.expectMap(Set.of("after", "max_share"))) {
            return null;
        }
        Node after = n.get("after");
        boolean p95 = !after.present() || "p95".equals(after.raw().asText());
        Duration wait = null;
        if (!p95) {
            wait = after.duration(null);
            if (wait != null && (wait.isNegative() || wait.isZero())) {
                after.problem("must be a positive duration or p95 (was '" + after.raw().asText() + "')");
            }
        }
        double share = n.get("max_share").number(GatewayConfig.Hedge.DEFAULT_MAX_SHARE, 0, 1);
        return new GatewayConfig.Hedge(wait, p95, share);
    }

    /**
     * {@code guardrails:}: a list of guardrail types, or maps with {@code type}, {@code on}
     * ({@code input | output | both}, default both) and the plugin's options.
     */
    private static List<GatewayConfig.GuardrailRef> guardrails(Node n, Extensions ext) {
        List<GatewayConfig.GuardrailRef> out = new ArrayList<>();
        if (!n.present()) {
            return out;
        }
        if (!n.raw().isArray()) {
            n.problem("must be a list of guardrails (e.g. [{type: pii, action: redact}])");
            return out;
        }
        for (Node g : n.items()) {
            Node plugin = g;
            boolean input = true;
            boolean output = true;
            if (g.raw().isObject() && g.raw().has("on")) {
                String on = g.get("on").text("both");
                switch (on) {
                    case "input" -> output = false;
                    case "output" -> input = false;
                    case "both" -> { }
                    default -> g.get("on").problem("must be input, output or both (was '" + on + "')");
                }
                ObjectNode rest = ((ObjectNode) g.raw()).deepCopy();
                rest.remove("on");
                plugin = g.withRaw(rest);
            }
            PluginRef ref = pluginRef(plugin, null, Kind.GUARDRAIL, ext);
            if (ref != null) {
                out.add(new GatewayConfig.GuardrailRef(ref, input, output));
            }
        }
        return out;
    }

    /** Keys of a {@code cache:} block that core reads; the rest are the plugin's options. */
    private static final Set<String> CACHE_KEYS = Set.of("ttl", "max_stale", "serve_stale_on_failure", "scope");

    /** A route's {@code cache:} block ({@code type: memory} or a map with {@code type} and options), or null. */
    private static Cache cache(Node n, Extensions ext) {
        if (!n.present()) {
            return null;
        }
        ObjectNode own = JsonNodeFactory.instance.objectNode();
        if (n.raw().isObject()) {
            n.raw().properties().forEach(e -> {
                if (!CACHE_KEYS.contains(e.getKey())) {
                    own.set(e.getKey(), e.getValue());
                }
            });
        }
        PluginRef plugin = pluginRef(n.raw().isObject() ? n.withRaw(own) : n, null, Kind.CACHE, ext);
        Duration ttl = n.get("ttl").duration(Cache.DEFAULT_TTL);
        if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
            n.get("ttl").problem("must be a positive duration such as 10m");
        }
        String scope = n.get("scope").text("key");
        if (!Set.of("key", "route").contains(scope)) {
            n.get("scope").problem("must be key (each virtual key has its own entries) or route (was '" + scope + "')");
        }
        boolean stale = Boolean.TRUE.equals(n.get("serve_stale_on_failure").bool(false));
        Duration maxStale = n.get("max_stale").duration(stale ? Cache.DEFAULT_MAX_STALE : Duration.ZERO);
        if (n.get("max_stale").present() && !stale) {
            n.get("max_stale").problem("has no use without serve_stale_on_failure: true (an expired entry is kept "
                    + "only to answer a request that every target failed)");
        }
        if (maxStale != null && maxStale.isNegative()) {
            n.get("max_stale").problem("must not be negative");
        }
        return plugin == null || ttl == null || maxStale == null ? null
                : new Cache(plugin, ttl, maxStale, stale, scope.equals("key"));
    }

    /** The route's policy keys alone, so the shared policy reader can check them. */
    private static Node policyKeys(Node route) {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        for (String k : POLICY_KEYS) {
            if (route.raw().has(k)) {
                copy.set(k, route.raw().get(k));
            }
        }
        return route.withRaw(copy);
    }

    private static Target target(Node t, Map<String, Provider> providers, Set<String> declared, Envelope envelope) {
        if (!t.expectMap(Set.of("provider", "model", "weight", "pricing", "prompt", "params", "capabilities"))) {
            t.problem("must be a map with 'provider' and 'model'");
            return null;
        }
        String provider = t.get("provider").requiredText();
        String model = t.get("model").requiredText();
        if (provider != null && !providers.containsKey(provider)) {
            if (!declared.contains(provider)) {
                t.get("provider").problem("unknown provider '" + provider + "' (known: "
                        + String.join(", ", new TreeSet<>(declared)) + ")");
            }
            // A declared provider with problems of its own has been reported under providers.
            return null;
        }
        if (provider != null) {
            String outside = outsideEnvelope(envelope, providers.get(provider));
            if (outside != null) {
                t.get("provider").problem(outside);
            }
        }
        Node pricing = t.get("pricing");
        double in = -1;
        double out = -1;
        double cachedIn = -1;
        if (pricing.expectMap(Set.of("input_per_mtok", "output_per_mtok", "cached_input_per_mtok"))) {
            in = pricing.get("input_per_mtok").number(-1.0, 0, 1e6);
            out = pricing.get("output_per_mtok").number(-1.0, 0, 1e6);
            cachedIn = pricing.get("cached_input_per_mtok").number(-1.0, 0, 1e6);
            if (!pricing.get("input_per_mtok").present() || !pricing.get("output_per_mtok").present()) {
                pricing.problem("needs both input_per_mtok and output_per_mtok (USD per million tokens; 0 for free)");
            }
        }
        Prompt prompt = null;
        Node pn = t.get("prompt");
        if (pn.expectMap(Set.of("system", "system_mode"))) {
            String mode = pn.get("system_mode").text("replace");
            if (!Set.of("replace", "prepend", "append").contains(mode)) {
                pn.get("system_mode").problem("must be replace, prepend or append (was '" + mode + "')");
            }
            prompt = new Prompt(pn.get("system").requiredText(), mode);
        }
        ObjectNode params = null;
        Node params0 = t.get("params");
        if (params0.present()) {
            if (!params0.raw().isObject()) {
                params0.problem("must be a map of request parameters");
            } else {
                params = (ObjectNode) params0.raw();
                for (String forbidden : List.of("model", "messages", "stream")) {
                    if (params.has(forbidden)) {
                        params0.get(forbidden).problem("cannot be overridden per target");
                    }
                }
            }
        }
        Capabilities caps = null;
        Node cn = t.get("capabilities");
        if (cn.expectMap(Set.of("vision", "tools", "json", "context_window"))) {
            caps = new Capabilities(cn.get("vision").bool(null), cn.get("tools").bool(null), cn.get("json").bool(null),
                    cn.get("context_window").integer(null, 1, 100_000_000));
        }
        return provider == null || model == null ? null
                : new Target(provider, model, t.get("weight").number(1.0, 0, 1e6), in, out, prompt, params, caps, cachedIn);
    }

    private static PluginRef pluginRef(Node n, String def, Kind kind, Extensions ext) {
        Map<String, Class<?>> known = ext.types(kind);
        String type;
        ObjectNode options = JsonNodeFactory.instance.objectNode();
        if (!n.present()) {
            type = def;
            if (type == null) {
                return null;
            }
        } else if (n.raw().isTextual()) {
            type = n.raw().asText();
        } else if (n.raw().isObject()) {
            type = n.get("type").requiredText();
            ((ObjectNode) n.raw()).properties().forEach(e -> {
                if (!e.getKey().equals("type")) {
                    options.set(e.getKey(), e.getValue());
                }
            });
        } else {
            n.problem("must be a " + kind.label + " type or a map with 'type'");
            return null;
        }
        if (type == null) {
            return null;
        }
        if (!known.containsKey(type)) {
            n.problem("unknown " + kind.label + " '" + type + "' (known: " + known(known) + "; plugins folder: "
                    + ext.source() + ")");
            return null;
        }
        List<String> found = OptionsBinder.check(options, known.get(type), n.path());
        found.forEach(n::report);
        return found.isEmpty() ? new PluginRef(type, options, n.path()) : null;
    }

    /** The longest budget period: spend is kept per slot of 1/720 of it, persisted, for at most this long. */
    static final Duration MAX_BUDGET_PERIOD = Duration.ofDays(366);

    /** A key's {@code budget: {usd, period}}, or null without one. */
    private static Budget budget(Node b, Path dataDir) {
        if (!b.expectMap(Set.of("usd", "period"))) {
            return null;
        }
        double usd = b.get("usd").number(-1.0, 0, 1e12);
        if (!b.get("usd").present()) {
            b.get("usd").problem("is required: the most this key may spend per period, in USD");
        } else if (usd == 0) {
            b.get("usd").problem("must be more than 0 (a key that may not spend needs no budget: give it no routes)");
            usd = -1;
        }
        Duration period = b.get("period").duration(null);
        if (!b.get("period").present()) {
            b.get("period").problem("is required: the rolling period the budget covers (e.g. 1d, 7d, 30d)");
        } else if (period != null && period.compareTo(Duration.ofMinutes(1)) < 0 || period.compareTo(MAX_BUDGET_PERIOD) > 0) {
            b.get("period").problem("must be between 1m and 366d (was " + Units.format(period) + ")");
            period = null;
        }
        return usd < 0 || period == null ? null : new Budget(usd, period, dataDir);
    }

    private static List<Key> keys(Node n, Set<String> routeNames, Set<String> unresolved, Path dataDir) {
        List<Key> keys = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Node k : n.items()) {
            if (!k.expectMap(Set.of("name", "key", "key_sha256", "routes", "limits", "budget", "priority"))) {
                k.problem("must be a map with 'name' and 'key' or 'key_sha256'");
                continue;
            }
            String name = k.get("name").requiredText();
            if (name != null && !names.add(name)) {
                k.get("name").problem("duplicate key name '" + name + "'");
            }
            String plain = k.get("key").text(null);
            String sha = k.get("key_sha256").text(null);
            String digest = null;
            if (unresolved.contains(k.get("key").path()) || unresolved.contains(k.get("key_sha256").path())) {
                // already reported as an unset variable: "give exactly one" would only repeat it
            } else if ((plain == null || plain.isEmpty()) == (sha == null || sha.isEmpty())) {
                k.problem("give exactly one of 'key' and 'key_sha256'");
            } else if (sha != null && !sha.isEmpty() && !sha.matches("[0-9a-fA-F]{64}")) {
                k.get("key_sha256").problem("must be 64 hex digits");
            } else {
                digest = plain != null && !plain.isEmpty() ? sha256(plain) : sha.toLowerCase(java.util.Locale.ROOT);
            }
            Set<String> routes = null;
            if (k.get("routes").present()) {
                routes = new LinkedHashSet<>();
                for (Node r : k.get("routes").items()) {
                    String rn = r.text("");
                    if (!routeNames.contains(rn) && !rn.contains("/")) {
                        r.problem("unknown route '" + rn + "' (known: " + String.join(", ", routeNames) + ")");
                    }
                    routes.add(rn);
                }
            }
            int rpm = 0;
            int tpm = 0;
            Node limits = k.get("limits");
            if (limits.expectMap(Set.of("rpm", "tpm"))) {
                rpm = limits.get("rpm").integer(0, 0, 100_000_000);
                tpm = limits.get("tpm").integer(0, 0, 2_000_000_000);
            }
            GatewayConfig.Priority priority = GatewayConfig.Priority.NORMAL;
            if (k.get("priority").present()) {
                priority = GatewayConfig.Priority.of(k.get("priority").text(""));
                if (priority == null) {
                    k.get("priority").problem("must be high, normal or low (was '" + k.get("priority").text("") + "')");
                    priority = GatewayConfig.Priority.NORMAL;
                }
            }
            Budget budget = budget(k.get("budget"), dataDir);
            if (digest != null) {
                keys.add(new Key(name, digest, routes == null ? null : Set.copyOf(routes), rpm, tpm, budget, priority));
            }
        }
        return keys;
    }

    /** Hex SHA-256 of a key, as stored in {@code key_sha256}. */
    public static String sha256(String key) {
        return HexFormat.of().formatHex(SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * One digest per thread: admission hashes the presented key of every request, and looking the
     * algorithm up each time costs several microseconds; {@code digest} leaves it reset for the next.
     */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private static Cluster cluster(Node n) {
        if (!n.expectMap(Set.of("redis", "mode", "endpoints", "master_name", "on_redis_down", "sync_interval",
                "namespace"))) {
            return Cluster.OFF;
        }
        String redis = n.get("redis").text("");
        if (!redis.isEmpty() && !redis.startsWith("redis://") && !redis.startsWith("rediss://")) {
            n.get("redis").problem("must be a redis:// or rediss:// URL (was '" + redisShown(redis) + "')");
        }
        String mode = n.get("mode").text("standalone");
        if (!Set.of("standalone", "sentinel", "cluster").contains(mode)) {
            n.get("mode").problem("must be standalone, sentinel or cluster (was '" + mode + "')");
        }
        List<String> endpoints = n.get("endpoints").present() ? n.get("endpoints").texts() : List.of();
        for (int i = 0; i < endpoints.size(); i++) {
            String e = endpoints.get(i);
            if (!e.startsWith("redis://") && !e.startsWith("rediss://")) {
                n.get("endpoints").problem("[" + i + "] must be a redis:// or rediss:// URL (was '" + redisShown(e) + "')");
            }
        }
        String masterName = n.get("master_name").text("");
        if (mode.equals("sentinel") && masterName.isEmpty() && !redis.isEmpty()) {
            n.get("mode").problem("sentinel needs master_name");
        }
        String down = n.get("on_redis_down").text("local");
        if (!Set.of("local", "closed").contains(down)) {
            n.get("on_redis_down").problem("must be local or closed (was '" + down + "')");
        }
        Duration sync = n.get("sync_interval").duration(Cluster.OFF.syncInterval());
        if (sync != null && (sync.toMillis() < 50 || sync.toSeconds() > 60)) {
            n.get("sync_interval").problem("must be between 50ms and 60s (was " + Units.format(sync) + ")");
        }
        String namespace = n.get("namespace").text("detour");
        if (!namespace.matches("[A-Za-z0-9_.-]{1,64}")) {
            n.get("namespace").problem("must be 1 to 64 letters, digits, '_', '.' or '-'");
        }
        return new Cluster(redis, mode, endpoints, masterName, down, sync == null ? Cluster.OFF.syncInterval() : sync,
                namespace);
    }

    /** A Redis URL as a message may show it: without its password. */
    static String redisShown(String url) {
        return url.replaceAll("//([^@/]*):[^@/]*@", "//$1:***@");
    }

    private static Telemetry telemetry(Node n, Path file) {
        if (!n.expectMap(Set.of("otlp_endpoint", "prometheus", "access_log", "access_log_file", "service_name",
                "capture_content", "export_interval"))) {
            return new Telemetry(true, "off", null);
        }
        String endpoint = n.get("otlp_endpoint").text("").trim();
        if (!endpoint.isEmpty() && !endpoint.matches("https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
            n.get("otlp_endpoint").problem("must be an http:// or https:// URL, such as http://localhost:4318 (was '"
                    + endpoint + "')");
        }
        String service = n.get("service_name").text("detour").trim();
        if (service.isEmpty()) {
            n.get("service_name").problem("must not be empty");
        }
        java.time.Duration interval = n.get("export_interval").duration(Telemetry.EXPORT_INTERVAL);
        if (interval != null && interval.toMillis() < 100) {
            n.get("export_interval").problem("must be at least 100ms (was " + Units.format(interval) + ")");
        }
        String log = n.get("access_log").text("off");
        if (log.equals("false")) {
            log = "off"; // YAML 1.1 reads a bare `off` as the boolean false
        }
        if (!Set.of("json", "text", "off").contains(log)) {
            n.get("access_log").problem("must be json, text or off (was '" + log + "')");
        }
        return new Telemetry(n.get("prometheus").bool(true), log, accessLogFile(n.get("access_log_file"), file), endpoint,
                service.isEmpty() ? "detour" : service, n.get("capture_content").bool(false),
                interval == null ? Telemetry.EXPORT_INTERVAL : interval);
    }

    /**
     * {@code telemetry.access_log_file}: absolute, or relative to the config file's folder (as
     * {@code plugins.dir}); its folder must exist. Null when absent or empty (standard output).
     */
    private static Path accessLogFile(Node n, Path configFile) {
        String text = n.text("");
        if (text.isBlank()) {
            return null;
        }
        Path p;
        try {
            p = Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            n.problem("is not a valid path ('" + text + "')");
            return null;
        }
        if (!p.isAbsolute() && configFile != null) {
            p = configFile.toAbsolutePath().getParent().resolve(p).normalize();
        }
        if (java.nio.file.Files.isDirectory(p)) {
            n.problem("is a folder; name the file the access log is appended to (" + p + ")");
        } else if (p.getParent() == null || !java.nio.file.Files.isDirectory(p.getParent())) {
            n.problem("folder " + p.getParent() + " does not exist");
        }
        return p;
    }

    private static String known(Map<String, ?> m) {
        return m.isEmpty() ? "none" : String.join(", ", new TreeSet<>(m.keySet()));
    }

    /**
     * Remembers how YAML 1.1 booleans were written when not as {@code true}/{@code false} (a bare
     * {@code on}, {@code no}, {@code off}...), by the path messages use, so that a message quotes the
     * value as the user wrote it instead of the boolean YAML made of it.
     */
    private static final class SpellingRecorder extends com.fasterxml.jackson.core.util.JsonParserDelegate {
        private final Map<String, String> spelled;

        SpellingRecorder(JsonParser d, Map<String, String> spelled) {
            super(d);
            this.spelled = spelled;
        }

        @Override
        public com.fasterxml.jackson.core.JsonToken nextToken() throws IOException {
            com.fasterxml.jackson.core.JsonToken t = delegate.nextToken();
            if (t != null && t.isBoolean()) {
                String text = delegate.getText();
                if (!text.equals("true") && !text.equals("false")) {
                    spelled.put(path(delegate.getParsingContext()), text);
                }
            }
            return t;
        }

        private static String path(com.fasterxml.jackson.core.JsonStreamContext c) {
            java.util.Deque<String> parts = new java.util.ArrayDeque<>();
            for (; c != null && !c.inRoot(); c = c.getParent()) {
                if (c.inObject()) {
                    parts.addFirst((c.getParent() != null && c.getParent().inRoot() ? "" : ".") + c.getCurrentName());
                } else if (c.inArray()) {
                    parts.addFirst("[" + c.getCurrentIndex() + "]");
                }
            }
            return String.join("", parts);
        }
    }
}
