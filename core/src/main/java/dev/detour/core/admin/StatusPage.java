package dev.detour.core.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The status page at {@code GET /} (HTTP-API.md "Operations"): one self-contained page — HTML, a
 * style sheet and a small script, shipped in core's jar, nothing fetched from elsewhere — that
 * shows what the admin API says ({@code /admin/targets}, {@code /admin/routes},
 * {@code /admin/drills}) and follows {@code /admin/events}.
 *
 * <p>The page itself holds no data, so it is served to anyone; every figure it shows comes from
 * the admin endpoints, which apply the admin token rules ({@link AdminRoutes}): the script asks
 * for the token when they answer 401 and sends it as a Bearer header, never in a URL. A strict
 * Content-Security-Policy allows only this origin's script, style and fetches, so even a value
 * that slipped past the script's text-only rendering could not run.
 */
public final class StatusPage {
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final String DIR = "/dev/detour/core/status/";

    private final Buffer html = load("index.html");
    private final Buffer css = load("status.css");
    private final Buffer js = load("status.js");

    /** Adds {@code GET /}, {@code /status/status.css} and {@code /status/status.js} to {@code router}. */
    public void mount(Router router) {
        router.get("/").handler(rc -> send(rc, html, "text/html; charset=utf-8"));
        router.get("/status/status.css").handler(rc -> send(rc, css, "text/css; charset=utf-8"));
        router.get("/status/status.js").handler(rc -> send(rc, js, "text/javascript; charset=utf-8"));
    }

    private static void send(RoutingContext rc, Buffer body, String type) {
        rc.response().putHeader(HttpHeaders.CONTENT_TYPE, type)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .putHeader("content-security-policy", CSP)
                .putHeader("x-content-type-options", "nosniff")
                .putHeader("x-frame-options", "DENY")
                .putHeader("referrer-policy", "no-referrer")
                .end(body);
    }

    /** Read once, when the server is built: the page is a few kilobytes. */
    private static Buffer load(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("status page resource missing from the jar: " + DIR + name);
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
