package dev.detour.core.config;

import dev.detour.api.NoOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    record OpenAiLikeOptions(String organization) {
    }

    /** Like Bedrock's: two keys that must come together, checked by the record itself. */
    record PairOptions(String accessKeyId, String secretAccessKey) {
        PairOptions {
            if ((accessKeyId == null) != (secretAccessKey == null)) {
                throw new IllegalArgumentException("access_key_id and secret_access_key must be set together");
            }
        }
    }

    record PiiLikeOptions(String action) {
    }

    static final Extensions EXT = new Extensions() {
        @Override
        public Map<String, Class<?>> types(Kind kind) {
            return switch (kind) {
                case PROVIDER -> Map.of("openai", OpenAiLikeOptions.class, "anthropic", NoOptions.class,
                        "bedrock", PairOptions.class);
                case STRATEGY -> Map.of("priority", NoOptions.class, "weighted", NoOptions.class);
                case GUARDRAIL -> Map.of("pii", PiiLikeOptions.class, "max_input", NoOptions.class);
                default -> Map.of();
            };
        }

        @Override
        public String source() {
            return "/opt/detour/plugins";
        }
    };

    static GatewayConfig load(String yaml, Map<String, String> env) throws ConfigException {
        return ConfigLoader.validate(ConfigLoader.parse(Path.of("/tmp/detour.yaml"), yaml, env::get), EXT);
    }

    static String problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml, Map.of()));
        return String.join("\n", e.problems());
    }

    @Test
    void loads_a_valid_file_with_defaults_and_substitution() throws Exception {
        GatewayConfig c = load("""
                providers:
                  openai-us: { type: openai, api_key: "${KEY}", region: us-east-1, category: closed }
                  anthropic: { type: anthropic, api_key: ${AKEY:-none}, region: us-east-1 }
                defaults:
                  retry: { attempts: 3 }
                routes:
                  support:
                    targets:
                      - { provider: openai-us, model: gpt-4o }
                      - { provider: anthropic, model: claude }
                    retry: { backoff: 100ms }
                    timeouts: { total: 60s }
                """, Map.of("KEY", "sk-test"));
        assertEquals("sk-test", c.providers().get("openai-us").apiKey());
        assertEquals("none", c.providers().get("anthropic").apiKey());
        GatewayConfig.Route r = c.routes().get("support");
        assertEquals("priority", r.strategy().type());
        assertEquals(3, r.policy().retry().attempts(), "route inherits defaults");
        assertEquals(Duration.ofMillis(100), r.policy().retry().backoff());
        assertEquals(Duration.ofSeconds(60), r.policy().timeouts().total());
        assertEquals(8080, c.server().port());
    }

    static final String ROUTES = """
            providers:
              p: { type: openai, region: us-east-1 }
            routes:
              r: { targets: [ { provider: p, model: m } ] }
            """;

    @Test
    void busy_poll_defaults_to_50_microseconds_and_takes_microseconds_or_off() throws Exception {
        assertEquals(Duration.ofNanos(50_000), load(ROUTES, Map.of()).server().busyPoll());
        assertEquals(Duration.ofNanos(20_000), load("server: { busy_poll: 20us }\n" + ROUTES, Map.of()).server().busyPoll());
        assertEquals(Duration.ZERO, load("server: { busy_poll: off }\n" + ROUTES, Map.of()).server().busyPoll());
        assertEquals(Duration.ZERO, load("server: { busy_poll: 0us }\n" + ROUTES, Map.of()).server().busyPoll());
        assertTrue(problems("server: { busy_poll: 2s }\n" + ROUTES).contains("server.busy_poll: must be at most 1ms"));
        assertTrue(problems("server: { busy_poll: fast }\n" + ROUTES).contains("server.busy_poll: 'fast' is not a duration"));
    }

    @Test
    void cluster_takes_a_redis_url_a_mode_and_what_to_do_when_redis_is_down() throws Exception {
        assertFalse(load(ROUTES, Map.of()).cluster().enabled());
        GatewayConfig.Cluster c = load("cluster: { redis: 'redis://127.0.0.1:6379/0', on_redis_down: closed, sync_interval: 250ms }\n"
                + ROUTES, Map.of()).cluster();
        assertTrue(c.enabled());
        assertTrue(c.closedWhenDown());
        assertEquals(Duration.ofMillis(250), c.syncInterval());
        assertEquals("detour", c.namespace());
        String p = problems("cluster: { redis: 'http://:s3cret@host:6379', on_redis_down: open, mode: ring, sync_interval: 1ms }\n"
                + ROUTES);
        assertTrue(p.contains("cluster.redis: must be a redis:// or rediss:// URL"), p);
        assertFalse(p.contains("s3cret"), "a password in the URL is never shown: " + p);
        assertTrue(p.contains("cluster.on_redis_down: must be local or closed"), p);
        assertTrue(p.contains("cluster.mode: must be standalone, sentinel or cluster"), p);
        assertTrue(p.contains("cluster.sync_interval: must be between 50ms and 60s"), p);
        assertTrue(problems("cluster: { redis: 'redis://h:1', mode: sentinel }\n" + ROUTES)
                .contains("cluster.mode: sentinel needs master_name"));
    }

    static final String HEDGED = """
            providers:
              p: { type: openai, region: us-east-1 }
            routes:
              r:
                targets: [ { provider: p, model: m }, { provider: p, model: n } ]
            """;

    @Test
    void hedge_takes_a_duration_or_p95_and_a_max_share() throws Exception {
        assertEquals(null, load(HEDGED, Map.of()).routes().get("r").hedge(), "no hedge: not hedged");
        GatewayConfig.Hedge h = load(HEDGED + "    hedge: { after: 2s, max_share: 0.1 }\n", Map.of()).routes().get("r").hedge();
        assertEquals(new GatewayConfig.Hedge(Duration.ofSeconds(2), false, 0.1), h);
        h = load(HEDGED + "    hedge: { after: p95 }\n", Map.of()).routes().get("r").hedge();
        assertEquals(new GatewayConfig.Hedge(null, true, 0.05), h, "max_share defaults to 0.05");
        assertEquals(new GatewayConfig.Hedge(null, true, 0.05),
                load(HEDGED + "    hedge: {}\n", Map.of()).routes().get("r").hedge(), "after defaults to p95");

        String p = problems(HEDGED + "    hedge: { after: soon, max_share: 2, hedges: 3 }\n");
        assertTrue(p.contains("routes.r.hedge.after: 'soon' is not a duration"), p);
        assertTrue(p.contains("routes.r.hedge.max_share: must be"), p);
        assertTrue(p.contains("routes.r.hedge.hedges: unknown key (known: after, max_share)"), p);
        p = problems(HEDGED + "    hedge: { after: 0s }\n");
        assertTrue(p.contains("routes.r.hedge.after: must be a positive duration or p95 (was '0s')"), p);
        p = problems(HEDGED + "    hedge: 2s\n");
        assertTrue(p.contains("routes.r.hedge: must be a map"), p);
    }

    @Test
    void stream_resume_is_off_by_default_and_a_boolean() throws Exception {
        String on = ROUTES.replace("r: { targets: [ { provider: p, model: m } ] }",
                "r: { stream: { resume: true }, targets: [ { provider: p, model: m } ] }");
        assertFalse(load(ROUTES, Map.of()).routes().get("r").stream().resume());
        assertTrue(load(on, Map.of()).routes().get("r").stream().resume());
        String p = problems(on.replace("resume: true", "resume: sometimes"));
        assertTrue(p.contains("routes.r.stream.resume: 'sometimes' is not true or false"), p);
    }

    @Test
    void reports_every_problem_with_its_yaml_path() {
        String p = problems("""
                providers:
                  openai-us: { type: openai, region: us-east-1, options: { organisation: x } }
                  other: { type: antropic }
                routes:
                  support:
                    strategy: fastest
                    targets:
                      - { provider: openai-us, model: gpt-4o }
                      - { provider: antropic, model: claude }
                    retry: { attempts: zero, backof: 1s }
                bogus: 1
                """);
        assertTrue(p.contains("providers.other.type: unknown provider type 'antropic' (known: anthropic, bedrock, openai; plugins folder: /opt/detour/plugins)"), p);
        assertTrue(p.contains("routes.support.targets[1].provider: unknown provider 'antropic' (known: openai-us, other)"), p);
        assertTrue(p.contains("routes.support.strategy: unknown routing strategy 'fastest' (known: priority, weighted"), p);
        assertTrue(p.contains("routes.support.retry.attempts: 'zero' is not a whole number"), p);
        assertTrue(p.contains("routes.support.retry.backof: unknown key"), p);
        assertTrue(p.contains("providers.openai-us.options.organisation: unknown key (known: organization)"), p);
        assertTrue(p.contains("bogus: unknown key"), p);
    }

    @Test
    void an_unknown_provider_type_still_has_its_other_mistakes_reported() {
        String p = problems("""
                providers:
                  weird: { type: nosuch, timeouts: { conect: 2s, first_token: 30x } }
                routes:
                  r: { targets: [ { provider: weird, model: m } ] }
                """);
        assertTrue(p.contains("providers.weird.type: unknown provider type 'nosuch'"), p);
        assertTrue(p.contains("providers.weird.timeouts.conect: unknown key (known: connect, first_token, idle, total)"), p);
        assertTrue(p.contains("providers.weird.timeouts.first_token: '30x' is not a duration"), p);
    }

    @Test
    void an_unset_variable_adds_no_follow_on_problem_and_hides_none() {
        String p = problems("""
                providers:
                  oa: { type: openai }
                routes:
                  r1: { targets: [ { provider: oa, model: m } ] }
                keys:
                  - { name: support, key: "${SUPPORT_KEY}", routes: [r1, nope] }
                """);
        assertEquals(List.of("keys[0].key: environment variable SUPPORT_KEY is not set (use ${SUPPORT_KEY:-default} for a default)",
                "keys[0].routes[1]: unknown route 'nope' (known: r1)"), List.of(p.split("\n")));
    }

    @Test
    void a_misspelt_option_is_an_unknown_key_not_the_records_follow_on_rule() {
        String p = problems("""
                providers:
                  br: { type: bedrock, options: { acess_key_id: abc, secret_access_key: def } }
                routes:
                  r: { targets: [ { provider: br, model: m } ], strategy: { type: weighted, bogus: 1, other: 2 } }
                """);
        assertEquals(List.of("providers.br.options.acess_key_id: unknown key (known: access_key_id, secret_access_key)",
                "routes.r.strategy.bogus: unknown key (this takes no options)",
                "routes.r.strategy.other: unknown key (this takes no options)"), List.of(p.split("\n")));
    }

    @Test
    void a_yaml_boolean_is_quoted_as_written() {
        String p = problems("""
                providers:
                  oa: { type: openai }
                routes:
                  r: { targets: [ { provider: oa, model: m } ] }
                telemetry: { access_log: on, prometheus: yes }
                """);
        assertEquals("telemetry.access_log: must be json, text or off (was 'on')", p);
    }

    @Test
    void the_access_log_file_is_resolved_next_to_the_config_and_its_folder_must_exist() throws Exception {
        String base = """
                providers:
                  oa: { type: openai }
                routes:
                  r: { targets: [ { provider: oa, model: m } ] }
                """;
        assertEquals(Path.of("/tmp/access.log"),
                load(base + "telemetry: { access_log: json, access_log_file: access.log }\n", Map.of())
                        .telemetry().accessLogFile(), "relative to /tmp/detour.yaml's folder");
        assertEquals(null, load(base + "telemetry: { access_log: json }\n", Map.of()).telemetry().accessLogFile(),
                "standard output by default");
        assertEquals("telemetry.access_log_file: folder /no/such/folder does not exist",
                problems(base + "telemetry: { access_log: json, access_log_file: /no/such/folder/a.log }\n"));
        assertEquals("telemetry.access_log_file: is a folder; name the file the access log is appended to (/tmp)",
                problems(base + "telemetry: { access_log: json, access_log_file: /tmp }\n"));
    }

    @Test
    void names_the_key_that_uses_a_missing_variable() {
        String p = problems("""
                providers:
                  openai-us: { type: openai, api_key: "${OPENAI_API_KEY}" }
                routes:
                  r: { targets: [ { provider: openai-us, model: m } ] }
                """);
        assertTrue(p.contains("providers.openai-us.api_key: environment variable OPENAI_API_KEY is not set"), p);
    }

    @Test
    void a_target_outside_the_envelope_is_an_error_naming_the_envelope() {
        String p = problems("""
                providers:
                  us: { type: openai, region: us-east-1 }
                  eu: { type: openai, region: eu-west-1 }
                envelope: { regions: [eu-west-1] }
                routes:
                  r: { targets: [ { provider: eu, model: m }, { provider: us, model: m } ] }
                """);
        assertTrue(p.contains("routes.r.targets[1].provider: region 'us-east-1' of provider 'us' is outside the envelope (envelope.regions: eu-west-1)"), p);
    }

    @Test
    void a_syntax_error_names_line_and_column() {
        String p = problems("providers:\n  a: { type: openai\nroutes: [\n");
        assertTrue(p.contains("YAML syntax error at line"), p);
        assertTrue(p.matches("(?s).*line \\d+, column \\d+.*"), p);
    }

    @Test
    void a_public_host_without_keys_refuses_to_start() {
        String p = problems("""
                server: { host: 0.0.0.0 }
                providers: { a: { type: openai } }
                routes: { r: { targets: [ { provider: a, model: m } ] } }
                """);
        assertTrue(p.contains("server.host: '0.0.0.0' is not a loopback address and no keys: are configured"), p);
    }

    @Test
    void parses_units() {
        assertEquals(Duration.ofMillis(250), Units.duration("250ms"));
        assertEquals(Duration.ofMinutes(5), Units.duration("5m"));
        assertEquals(10L * 1024 * 1024, Units.size("10MB"));
        assertThrows(IllegalArgumentException.class, () -> Units.duration("5"));
    }

    @Test
    void guardrails_run_in_order_with_on_read_by_core_and_the_rest_bound_as_options() throws Exception {
        GatewayConfig c = load("""
                providers:
                  p: { type: openai, region: us-east-1 }
                routes:
                  r:
                    targets: [ { provider: p, model: m } ]
                    guardrails:
                      - { type: pii, action: redact }
                      - type: pii
                        on: input
                        action: deny
                      - max_input
                      - { type: pii, on: output }
                """, Map.of());
        List<GatewayConfig.GuardrailRef> g = c.routes().get("r").guardrails();
        assertEquals(4, g.size());
        assertEquals("redact", g.get(0).plugin().options().path("action").asText());
        assertTrue(g.get(0).input() && g.get(0).output(), "default: both");
        assertTrue(g.get(1).input() && !g.get(1).output());
        assertEquals("deny", g.get(1).plugin().options().path("action").asText());
        assertTrue(!g.get(1).plugin().options().has("on"), "on is core's, not the plugin's");
        assertEquals("max_input", g.get(2).plugin().type());
        assertTrue(!g.get(3).input() && g.get(3).output());
        assertEquals(List.of(), load(ROUTES, Map.of()).routes().get("r").guardrails(), "no guardrails by default");
    }

    @Test
    void guardrail_problems_name_their_yaml_path() {
        String p = problems("""
                providers:
                  p: { type: openai, region: us-east-1 }
                routes:
                  r:
                    targets: [ { provider: p, model: m } ]
                    guardrails:
                      - { type: pii, on: sideways }
                      - { type: piii }
                      - { type: pii, acton: redact }
                  s:
                    targets: [ { provider: p, model: m } ]
                    guardrails: { type: pii }
                """);
        assertTrue(p.contains("routes.r.guardrails[0].on: must be input, output or both (was 'sideways')"), p);
        assertTrue(p.contains("routes.r.guardrails[1]: unknown guardrail 'piii' (known: max_input, pii"), p);
        assertTrue(p.contains("routes.r.guardrails[2]"), p);
        assertTrue(p.contains("acton"), p);
        assertTrue(p.contains("routes.s.guardrails: must be a list of guardrails"), p);
        assertTrue(!p.contains("not available yet"), p);
    }

    @Test
    void telemetry_export_keys_load_with_their_defaults() throws Exception {
        String base = """
                providers:
                  oa: { type: openai }
                routes:
                  r: { targets: [ { provider: oa, model: m } ] }
                """;
        GatewayConfig.Telemetry off = load(base, Map.of()).telemetry();
        assertFalse(off.exports());
        assertEquals("detour", off.serviceName());
        assertFalse(off.captureContent());
        assertEquals(java.time.Duration.ofSeconds(10), off.exportInterval());
        GatewayConfig.Telemetry on = load(base + """
                telemetry:
                  otlp_endpoint: ${OTEL_EXPORTER_OTLP_ENDPOINT:-}
                  service_name: gateway-eu
                  capture_content: true
                  export_interval: 2s
                """, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")).telemetry();
        assertTrue(on.exports());
        assertEquals("http://collector:4318/", on.otlpEndpoint());
        assertEquals("gateway-eu", on.serviceName());
        assertTrue(on.captureContent());
        assertEquals(java.time.Duration.ofSeconds(2), on.exportInterval());
    }

    @Test
    void telemetry_export_keys_are_validated_with_their_paths() {
        String p = problems("""
                providers:
                  oa: { type: openai }
                routes:
                  r: { targets: [ { provider: oa, model: m } ] }
                telemetry: { otlp_endpoint: "collector:4318", service_name: "", capture_content: maybe, export_interval: 10ms, exporter: x }
                """);
        assertEquals(List.of(
                "telemetry.exporter: unknown key (known: access_log, access_log_file, capture_content, export_interval, otlp_endpoint, "
                        + "prometheus, service_name)",
                "telemetry.otlp_endpoint: must be an http:// or https:// URL, such as http://localhost:4318 (was "
                        + "'collector:4318')",
                "telemetry.service_name: must not be empty",
                "telemetry.export_interval: must be at least 100ms (was 10ms)",
                "telemetry.capture_content: 'maybe' is not true or false"), List.of(p.split("\n")));
    }

    @Test
    void provider_quotas_shedding_and_key_priorities_are_read_and_checked_by_path() throws ConfigException {
        GatewayConfig c = load("""
                server: { max_in_flight: 64 }
                providers:
                  p: { type: openai, api_key: sk-1, limits: { rpm: 500, tpm: 200000, concurrency: 8 } }
                routes:
                  r: { targets: [ { provider: p, model: m } ] }
                keys:
                  - { name: gold, key: sk-gold, priority: high }
                  - { name: plain, key: sk-plain }
                """, Map.of());
        assertEquals(64, c.server().maxInFlight());
        assertEquals(500, c.providers().get("p").rpm());
        assertEquals(200000, c.providers().get("p").tpm());
        assertEquals(8, c.providers().get("p").concurrency());
        assertEquals(GatewayConfig.Priority.HIGH, c.keys().get(0).priority());
        assertEquals(GatewayConfig.Priority.NORMAL, c.keys().get(1).priority());

        String p = problems("""
                server: { max_in_flight: 0 }
                providers:
                  p: { type: openai, limits: { rpm: -1, tpm: lots } }
                routes:
                  r: { targets: [ { provider: p, model: m } ] }
                keys:
                  - { name: gold, key: sk-gold, priority: urgent }
                """);
        assertTrue(p.contains("server.max_in_flight: must be between 1 and 1000000 (was 0)"), p);
        assertTrue(p.contains("providers.p.limits.rpm: must be between 0 and 100000000 (was -1)"), p);
        assertTrue(p.contains("providers.p.limits.tpm"), p);
        assertTrue(p.contains("keys[0].priority: must be high, normal or low (was 'urgent')"), p);
        assertFalse(p.contains("not available yet"), p);
    }
}
