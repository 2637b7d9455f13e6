package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.it.FakeUpstream.Behaviour;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page at {@code GET /} in a real browser: headless Chromium (Debian's packages,
 * installed when missing) driven over WebDriver. The page asks for the admin token and sends it as
 * a header; after a failover it shows the primary's circuit open, the failover event and the
 * traffic moved to the backup; it shows a model name with markup as text; drills are started and
 * ended from it (or it says they are not available); it fits a phone's width. Screenshots go to
 * {@code target/status-page.png}, {@code target/status-page-phone.png} and, with a drill
 * running, {@code target/status-page-drill.png}.
 */
class StatusPageIT extends TwoUpstreams {
    private static final String ADMIN_TOKEN = "adm-status-secret-4242";
    /** A model name with markup: the page must show it as text. */
    private static final String BACKUP_MODEL = "mini<i>x</i>";
    private static final String PRIMARY = "primary/gpt-4o";
    private static final String BACKUP = "backup/" + BACKUP_MODEL;

    @Test
    void the_page_shows_a_failover_live_and_drives_drills() throws Exception {
        gw = Harness.start(vertx, """
                server: { admin_token: %s }
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234 }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-secret-5678 }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: "%s" }
                    retry: { attempts: 1 }
                    circuit_breaker: { failure_ratio: 0.5, min_calls: 2, window: 60s, cooldown: 10m }
                """.formatted(ADMIN_TOKEN, primary.baseUrl(), backup.baseUrl(), BACKUP_MODEL));
        String page = "http://127.0.0.1:" + gw.port() + "/";
        try (HeadlessChromium browser = HeadlessChromium.start(1280, 1100)) {
            browser.open(page);
            // The admin API refuses the page without the token (loopback too, as a token is set): it asks.
            browser.waitFor("the token form", 20, "return !document.getElementById('token-form').hidden",
                    JsonNode::asBoolean);
            browser.type(browser.find("#token"), ADMIN_TOKEN);
            browser.click(browser.find("#token-form button[type=submit]"));
            browser.waitFor("both targets with a closed circuit", 20, """
                    return document.body.dataset.ready === 'true'
                        && document.querySelectorAll('#targets tbody tr[data-target]').length === 2
                        && Array.from(document.querySelectorAll('#targets td.circuit'))
                               .every(td => td.textContent === 'closed');""", JsonNode::asBoolean);
            assertFalse(browser.script("return location.href").asText().contains(ADMIN_TOKEN), "the token in a URL");

            primary.always(Behaviour.status(503, "server_error", null, "primary is down"));
            for (int i = 0; i < 3; i++) {
                Harness.Reply r = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false));
                assertEquals(200, r.status(), r.body());
                assertEquals(BACKUP, r.header("x-detour-target"));
            }

            browser.waitFor("the primary's circuit open", 20, """
                    const row = document.querySelector('#targets tr[data-target="%s"]');
                    return row !== null && row.querySelector('td.circuit').textContent === 'open';""".formatted(PRIMARY),
                    JsonNode::asBoolean);
            JsonNode failover = browser.waitFor("the failover event", 20, """
                    const li = document.querySelector('#events li[data-type="failover"]');
                    return li === null ? null : li.textContent;""", v -> !v.isNull());
            assertTrue(failover.asText().contains("support: moved on from " + PRIMARY), failover.asText());
            JsonNode legend = browser.waitFor("the backup's traffic share", 20, """
                    const li = document.querySelector('.route[data-route="support"] .legend li[data-target="%s"]');
                    return li === null ? null : li.textContent;""".formatted(BACKUP), v -> v.asText().endsWith("100 %"));
            assertEquals(BACKUP + " 100 %", legend.asText());
            assertTrue(browser.script("return document.querySelectorAll('.route[data-route=\"support\"] svg rect').length")
                    .asInt() >= 1, "a bar in the chart");

            // Markup in a model name is text: no <i> element anywhere in the page, the name shown as written.
            assertEquals(0, browser.script("return document.querySelectorAll('main i').length").asInt());
            assertEquals(BACKUP, browser.script("""
                    return document.querySelector('#targets tr[data-target="%s"] td.id span').textContent;"""
                    .formatted(BACKUP.replace("\"", "\\\""))).asText());
            JsonNode row = browser.script("""
                    const r = document.querySelector('#targets tr[data-target="%s"]');
                    return {state: r.querySelector('td.state').textContent, latency: r.querySelector('td.latency').textContent,
                            errors: r.querySelector('td.errors').textContent};""".formatted(PRIMARY));
            assertFalse(row.path("state").asText().isEmpty(), row.toString());
            assertEquals("100.0 %", row.path("errors").asText(), row.toString());

            // Readiness: the down primary fails its case, the backup passes; the panel lists both.
            Harness.Reply ready = post(vertx, gw.port(), "/admin/readiness", "{\"route\": \"support\", \"cases\": [{\"name\":"
                    + " \"hello\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}]}",
                    Map.of("authorization", "Bearer " + ADMIN_TOKEN));
            assertEquals(200, ready.status(), ready.body());
            browser.waitFor("the readiness panel", 20, """
                    const row = document.querySelector('#readiness tr[data-target="%s"]');
                    return row !== null && row.querySelector('td.result').textContent === 'fail'
                        && document.querySelectorAll('#readiness td.result').length === 2
                        && document.querySelector('#targets tr[data-target="%s"] .badge.readiness') !== null;"""
                    .formatted(PRIMARY, PRIMARY),
                    JsonNode::asBoolean);

            drills(browser);
            browser.screenshot(Path.of("target/status-page.png"));

            // A phone's width: one column, no sideways scrolling.
            browser.resize(400, 860);
            browser.waitFor("a layout that fits a phone", 10,
                    "return document.documentElement.scrollWidth <= window.innerWidth", JsonNode::asBoolean);
            browser.screenshot(Path.of("target/status-page-phone.png"));
        }
        assertTrue(Files.size(Path.of("target/status-page.png")) > 10_000, "a screenshot with something on it");
    }

    /**
     * Drills from the page: when the gateway has the drills API, one is started on the primary from
     * the form, shown in the list and the events, and ended with its button; without it, the page
     * says drills are not available (and the form is there, disabled).
     */
    private void drills(HeadlessChromium browser) throws java.io.IOException {
        assertEquals("FORM", browser.script("return document.getElementById('drill-form').tagName").asText());
        assertEquals(2, browser.script("return document.querySelectorAll('#drill-target option').length").asInt());
        if (adminStatus("/admin/drills") == 404) {
            browser.waitFor("that drills are not available", 10,
                    "return document.getElementById('drills-status').textContent", v -> v.asText().contains("not available"));
            assertTrue(browser.script("return document.getElementById('drill-start').disabled").asBoolean());
            return;
        }
        browser.script("document.getElementById('drill-target').value = arguments[0];"
                + "document.getElementById('drill-fault').value = 'down';", PRIMARY);
        browser.click(browser.find("#drill-start"));
        browser.waitFor("the drill listed", 20, """
                const li = document.querySelector('#drills li[data-drill]');
                return li !== null && li.textContent.includes('%s');""".formatted(PRIMARY),
                JsonNode::asBoolean);
        browser.waitFor("the drill_started event and the drill on the target's row", 20, """
                return document.querySelector('#events li[data-type="drill_started"]') !== null
                    && document.querySelector('#targets tr[data-target="%s"] .badge.drill') !== null;""".formatted(PRIMARY),
                JsonNode::asBoolean);
        browser.screenshot(Path.of("target/status-page-drill.png"));
        browser.click(browser.find("#drills li[data-drill] button"));
        browser.waitFor("the drill ended", 20, "return document.querySelector('#drills li[data-drill]') === null"
                + " && document.querySelector('#events li[data-type=\"drill_ended\"]') !== null", JsonNode::asBoolean);
    }

    private int adminStatus(String path) {
        HttpClient client = vertx.createHttpClient();
        try {
            return await(client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                    .setPort(gw.port()).setURI(path).putHeader("authorization", "Bearer " + ADMIN_TOKEN))
                    .compose(req -> req.send().map(resp -> resp.statusCode())));
        } finally {
            client.close();
        }
    }

    @Test
    void the_page_and_its_parts_are_served_with_a_strict_policy() {
        gw = Harness.start(vertx, """
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234 }
                routes:
                  support: { targets: [ { provider: primary, model: gpt-4o } ] }
                """.formatted(primary.baseUrl()));
        for (Map.Entry<String, String> part : Map.of("/", "text/html", "/status/status.js", "text/javascript",
                "/status/status.css", "text/css").entrySet()) {
            Harness.Reply r = Harness.get(vertx, gw.port(), part.getKey());
            assertEquals(200, r.status(), part.getKey());
            assertTrue(r.header("content-type").startsWith(part.getValue()), r.header("content-type"));
            assertTrue(r.header("content-security-policy").contains("script-src 'self'"), part.getKey());
            assertEquals("nosniff", r.header("x-content-type-options"));
        }
        String html = Harness.get(vertx, gw.port(), "/").body();
        assertFalse(html.contains("http://") || html.contains("https://"), "nothing loaded from elsewhere");
    }
}
