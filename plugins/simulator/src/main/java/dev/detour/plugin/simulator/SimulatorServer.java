package dev.detour.plugin.simulator;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake LLM provider server speaking the OpenAI (Chat Completions and Responses), Anthropic and Gemini wire formats, with faults
 * injected per endpoint name (HTTP-API.md, "The simulator"). Every endpoint lives under a name of
 * the caller's choosing, so one server plays many providers:
 *
 * <pre>
 * POST /{name}/v1/chat/completions, /{name}/v1/embeddings; GET /{name}/v1/models   (OpenAI)
 * POST /{name}/v1/responses                                                        (OpenAI Responses)
 * POST /{name}/v1/messages                                                         (Anthropic)
 * POST /{name}/v1beta/models/{model}:generateContent | :streamGenerateContent      (Gemini)
 * POST /{name}/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent | :streamGenerateContent
 * POST /{name}/v1/projects/{p}/locations/{l}/publishers/anthropic/models/{m}:rawPredict | :streamRawPredict  (Vertex AI)
 * POST /{name}/token                                                               (Google's OAuth token endpoint)
 * PUT | GET | DELETE /_chaos/{name};  GET | DELETE /_chaos/{name}/stats            (faults, stats)
 * </pre>
 *
 * <p>Answers are deterministic, derived from the prompt. Faults are set over HTTP or from code
 * ({@link #setFaults}); every call to a name is counted ({@link #stats}). Delays use Vert.x
 * timers; nothing blocks an event loop.
 *
 * <p>Typical test use: {@code SimulatorServer sim = SimulatorServer.create(vertx,
 * SimulatorOptions.ephemeral(42L)); sim.listen().onSuccess(port -> ...)}, then point an OpenAI
 * target at {@link #openAiBaseUrl(String) sim.openAiBaseUrl("primary")} and an Anthropic or
 * Gemini target at {@link #baseUrl(String) sim.baseUrl("backup")}.
 *
 * <p>The fault and statistics methods are thread-safe; {@link #listen()} and {@link #close()}
 * may be called from any thread.
 */
public final class SimulatorServer {

    private static final Pattern GEMINI = Pattern.compile("/(v1beta|v1)/models/([^/:]+):(generateContent|streamGenerateContent)");
    private static final Pattern VERTEX = Pattern.compile("/(v1|v1beta1)/projects/([^/]+)/locations/([^/]+)/publishers/"
            + "(google|anthropic)/models/([^/:]+):(generateContent|streamGenerateContent|rawPredict|streamRawPredict)");

    private enum Kind { CHAT, EMBEDDINGS, MODELS, TOKEN, UNAUTHENTICATED, NOT_FOUND, METHOD_NOT_ALLOWED }

    private record Route(Kind kind, SimFormat format, SimFormat.SimCall call) {
    }

    private final Vertx vertx;
    private final SimulatorOptions options;
    private final ChaosEngine chaos;
    private final OpenAiSimFormat openAi;
    private final ResponsesSimFormat responses;
    private final AnthropicSimFormat anthropic = new AnthropicSimFormat();
    private final GeminiSimFormat gemini = new GeminiSimFormat();
    private final OAuthTokenSim tokens = new OAuthTokenSim();
    private final Map<String, RecordedRequest> lastRequests = new ConcurrentHashMap<>();
    private volatile HttpServer server;

    private SimulatorServer(Vertx vertx, SimulatorOptions options, LongSupplier epochSeconds) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.options = Objects.requireNonNull(options, "options");
        this.chaos = new ChaosEngine(options.seed(), options.faults());
        this.openAi = new OpenAiSimFormat(epochSeconds);
        this.responses = new ResponsesSimFormat(epochSeconds, openAi);
    }

    /** A server with the given options; it does not listen until {@link #listen()}. */
    public static SimulatorServer create(Vertx vertx, SimulatorOptions options) {
        return new SimulatorServer(vertx, options, () -> System.currentTimeMillis() / 1000);
    }

    /** Like {@link #create(Vertx, SimulatorOptions)}, with the wall clock of {@code created} timestamps injected. */
    public static SimulatorServer create(Vertx vertx, SimulatorOptions options, LongSupplier epochSeconds) {
        return new SimulatorServer(vertx, options, epochSeconds);
    }

    /** Starts listening; completes with the bound port (the chosen one when the option is 0). */
    public synchronized Future<Integer> listen() {
        if (server != null) {
            return Future.failedFuture(new IllegalStateException("simulator already listening"));
        }
        HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port()));
        s.requestHandler(this::handle);
        server = s;
        return s.listen().map(HttpServer::actualPort).recover(e -> {
            server = null;
            return Future.failedFuture(new IllegalStateException("the simulator cannot listen on " + options.host() + ":"
                    + options.port() + ": " + e.getMessage(), e));
        });
    }

    /** The bound port; an IllegalStateException before {@link #listen()} has completed. */
    public int port() {
        HttpServer s = server;
        if (s == null || s.actualPort() <= 0) {
            throw new IllegalStateException("simulator is not listening");
        }
        return s.actualPort();
    }

    /** {@code http://host:port}. */
    public String baseUrl() {
        return "http://" + options.host() + ":" + port();
    }

    /** The base URL of an Anthropic or Gemini endpoint named {@code name}: {@code http://host:port/name}. */
    public String baseUrl(String name) {
        return baseUrl() + "/" + name;
    }

    /** The base URL of an OpenAI endpoint named {@code name}: {@code http://host:port/name/v1}. */
    public String openAiBaseUrl(String name) {
        return baseUrl(name) + "/v1";
    }

    /** Stops listening and closes open connections. */
    public synchronized Future<Void> close() {
        HttpServer s = server;
        server = null;
        return s == null ? Future.succeededFuture() : s.close();
    }

    /** Replaces the faults of {@code name} (and restarts its random sequence from the seed). */
    public void setFaults(String name, ChaosFaults faults) {
        chaos.setFaults(name, faults);
    }

    /** Removes every fault of {@code name}. */
    public void clearFaults(String name) {
        chaos.clearFaults(name);
    }

    /** The current faults of {@code name} ({@link ChaosFaults#NONE} when none are set). */
    public ChaosFaults faults(String name) {
        return chaos.faults(name);
    }

    /** What {@code name} has received so far. */
    public Stats stats(String name) {
        return chaos.stats(name);
    }

    /** Forgets the statistics (and the last recorded request) of {@code name}. */
    public void resetStats(String name) {
        chaos.resetStats(name);
        lastRequests.remove(name);
    }

    /** The last call {@code name} received (including calls closed by {@code down}), if any. */
    public Optional<RecordedRequest> lastRequest(String name) {
        return Optional.ofNullable(lastRequests.get(name));
    }

    // ------------------------------------------------------------------ dispatch

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (path.startsWith("/_chaos/")) {
            req.body().onSuccess(b -> chaosApi(req, path.substring("/_chaos/".length()), b));
            return;
        }
        int slash = path.indexOf('/', 1);
        if (slash < 0) {
            sendJson(req, null, 404, openAi.error(404, "unknown path '" + path + "': endpoints live under /{name}/, "
                    + "e.g. /primary/v1/chat/completions"));
            return;
        }
        String name = URLDecoder.decode(path.substring(1, slash), StandardCharsets.UTF_8);
        Route route = route(req, name, path.substring(slash));
        ChaosEngine.Decision d = chaos.decide(name);
        if (d.down()) {
            record(req, name, null);
            req.connection().close();
            return;
        }
        req.body().onSuccess(body -> {
            record(req, name, body);
            after(d.latencyMs(), () -> respond(req, name, route, d, body));
        });
    }

    private Route route(HttpServerRequest req, String name, String rest) {
        HttpMethod m = req.method();
        switch (rest) {
            case "/v1/chat/completions":
                return route(m, HttpMethod.POST, Kind.CHAT, openAi, new SimFormat.SimCall(name, null, false, false));
            case "/v1/responses":
                return route(m, HttpMethod.POST, Kind.CHAT, responses, new SimFormat.SimCall(name, null, false, false));
            case "/v1/embeddings":
                return route(m, HttpMethod.POST, Kind.EMBEDDINGS, openAi, null);
            case "/v1/models":
                return route(m, HttpMethod.GET, Kind.MODELS, openAi, null);
            case "/v1/messages":
                return route(m, HttpMethod.POST, Kind.CHAT, anthropic, new SimFormat.SimCall(name, null, false, false));
            case "/token":
                return route(m, HttpMethod.POST, Kind.TOKEN, openAi, null);
            default:
                Matcher v = VERTEX.matcher(rest);
                if (v.matches()) {
                    return vertex(req, name, v);
                }
                Matcher g = GEMINI.matcher(rest);
                if (g.matches()) {
                    String model = URLDecoder.decode(g.group(2), StandardCharsets.UTF_8);
                    boolean stream = g.group(3).equals("streamGenerateContent");
                    return route(m, HttpMethod.POST, Kind.CHAT, gemini,
                            new SimFormat.SimCall(name, model, stream, "sse".equals(req.getParam("alt"))));
                }
                return new Route(Kind.NOT_FOUND, rest.startsWith("/v1beta") ? gemini
                        : rest.startsWith("/v1/messages") ? anthropic : openAi, null);
        }
    }

    /** A Vertex AI publisher model call: the publisher's format, the model and the stream mode from the path. */
    private Route vertex(HttpServerRequest req, String name, Matcher v) {
        String project = URLDecoder.decode(v.group(2), StandardCharsets.UTF_8);
        boolean claude = v.group(4).equals("anthropic");
        String method = v.group(6);
        VertexSimFormat f = new VertexSimFormat(claude ? anthropic : gemini, claude, project);
        if (claude != (method.equals("rawPredict") || method.equals("streamRawPredict"))) {
            return new Route(Kind.NOT_FOUND, f, null);
        }
        String model = URLDecoder.decode(v.group(5), StandardCharsets.UTF_8);
        boolean stream = method.startsWith("stream");
        SimFormat.SimCall call = new SimFormat.SimCall(name, model, stream, claude ? stream : "sse".equals(req.getParam("alt")));
        String auth = req.getHeader("authorization");
        if (auth == null || !auth.startsWith("Bearer ") || auth.length() == "Bearer ".length()) {
            return new Route(Kind.UNAUTHENTICATED, f, call);
        }
        return route(req.method(), HttpMethod.POST, Kind.CHAT, f, call);
    }

    private static Route route(HttpMethod actual, HttpMethod expected, Kind kind, SimFormat f, SimFormat.SimCall call) {
        return new Route(actual.equals(expected) ? kind : Kind.METHOD_NOT_ALLOWED, f, call);
    }

    private void respond(HttpServerRequest req, String name, Route route, ChaosEngine.Decision d, Buffer raw) {
        if (req.response().closed()) {
            return; // the caller gave up (or the server closed) while the latency timer ran
        }
        SimFormat f = route.format();
        if (route.kind() == Kind.NOT_FOUND) {
            sendError(req, name, f, 404, "unknown path '" + req.path() + "'", null);
            return;
        }
        if (route.kind() == Kind.METHOD_NOT_ALLOWED) {
            sendError(req, name, f, 405, "method " + req.method() + " not allowed on '" + req.path() + "'", null);
            return;
        }
        if (route.kind() == Kind.TOKEN) {
            token(req, name, d, raw);
            return;
        }
        if (route.kind() == Kind.UNAUTHENTICATED) {
            sendError(req, name, f, 401, "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                    + "login cookie or other valid authentication credential.", null);
            return;
        }
        if (d.errorStatus() > 0) {
            sendError(req, name, f, d.errorStatus(), SimFormat.faultMessage(d.errorStatus(), name), d.retryAfter());
            return;
        }
        try {
            if (route.kind() == Kind.MODELS) {
                sendJson(req, name, 200, openAi.models(name));
                return;
            }
            JsonNode body = json(raw);
            if (route.kind() == Kind.EMBEDDINGS) {
                sendJson(req, name, 200, openAi.embeddings(body));
                return;
            }
            SimPrompt p = f.parse(route.call(), body);
            List<SimAnswer> answers = AnswerGenerator.answer(p, d.degrade());
            if (!p.streamed()) {
                sendJson(req, name, 200, f.body(p, answers));
            } else {
                stream(req, name, p.stream() == SimPrompt.StreamMode.SSE ? "text/event-stream" : "application/json",
                        f.frames(p, answers), d);
            }
        } catch (SimRequestException e) {
            sendJson(req, name, 400, f.error(400, e.getMessage(), e.field()));
        } catch (RuntimeException e) {
            // A simulator bug must still look like a provider failure, never a hung call.
            sendError(req, name, f, 500, "simulator failure: " + e, null);
        }
    }

    /** The OAuth token endpoint: a fault in its own error shape, else a token for a well-formed assertion. */
    private void token(HttpServerRequest req, String name, ChaosEngine.Decision d, Buffer raw) {
        if (d.errorStatus() > 0) {
            int status = d.errorStatus();
            if (d.retryAfter() != null) {
                req.response().putHeader("retry-after", Integer.toString(d.retryAfter()));
            }
            sendJson(req, name, status, OAuthTokenSim.error(status >= 500 ? "internal_failure"
                    : status == 429 ? "rate_limit_exceeded" : "invalid_grant", SimFormat.faultMessage(status, name)));
            return;
        }
        OAuthTokenSim.Answer a = tokens.answer(raw == null ? "" : raw.toString(StandardCharsets.UTF_8));
        sendJson(req, name, a.status(), a.body());
    }

    private void record(HttpServerRequest req, String name, Buffer body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        req.headers().forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .add(e.getValue()));
        JsonNode json = null;
        if (body != null && body.length() > 0) {
            try {
                json = WireJson.MAPPER.readTree(body.getBytes());
            } catch (java.io.IOException e) {
                json = null; // the answer will say why; the record just has no body
            }
        }
        lastRequests.put(name, new RecordedRequest(req.method().name(), req.uri(), headers, json));
    }

    private static JsonNode json(Buffer raw) {
        if (raw == null || raw.length() == 0) {
            throw new SimRequestException(null, "request body is required");
        }
        try {
            return WireJson.MAPPER.readTree(raw.getBytes());
        } catch (java.io.IOException e) {
            throw new SimRequestException(null, "request body is not valid JSON");
        }
    }

    // ------------------------------------------------------------------ writing

    private void stream(HttpServerRequest req, String name, String contentType, List<String> frames,
                        ChaosEngine.Decision d) {
        HttpServerResponse resp = req.response();
        resp.setStatusCode(200).setChunked(true).putHeader("content-type", contentType)
                .putHeader("cache-control", "no-cache");
        chaos.recordStatus(name, 200);
        writeFrame(req, frames, 0, d);
    }

    private void writeFrame(HttpServerRequest req, List<String> frames, int i, ChaosEngine.Decision d) {
        HttpServerResponse resp = req.response();
        if (resp.closed()) {
            return;
        }
        if (d.cutAfterChunks() != null && i >= d.cutAfterChunks() && i < frames.size()) {
            // Headers must have left before the cut, or the client sees a refused call, not a cut stream.
            Future<Void> sent = i == 0 ? resp.writeHead() : Future.succeededFuture();
            sent.onComplete(v -> req.connection().close());
            return;
        }
        if (i == frames.size()) {
            resp.end();
            return;
        }
        resp.write(frames.get(i)).onSuccess(v -> {
            if (d.chunkDelayMs() > 0 && i + 1 < frames.size()) {
                vertx.setTimer(d.chunkDelayMs(), id -> writeFrame(req, frames, i + 1, d));
            } else {
                writeFrame(req, frames, i + 1, d);
            }
        });
    }

    private void sendError(HttpServerRequest req, String name, SimFormat f, int status, String message,
                           Integer retryAfter) {
        if (retryAfter != null) {
            req.response().putHeader("retry-after", Integer.toString(retryAfter));
        }
        sendJson(req, name, status, f.error(status, message));
    }

    private void sendJson(HttpServerRequest req, String name, int status, JsonNode body) {
        if (name != null) {
            chaos.recordStatus(name, status);
        }
        HttpServerResponse resp = req.response().setStatusCode(status);
        if (status == 529) {
            resp.setStatusMessage("Overloaded");
        }
        resp.putHeader("content-type", "application/json").end(body.toString());
    }

    private void after(long delayMs, Runnable r) {
        if (delayMs <= 0) {
            r.run();
        } else {
            vertx.setTimer(delayMs, id -> r.run());
        }
    }

    // ------------------------------------------------------------------ chaos API

    private void chaosApi(HttpServerRequest req, String rest, Buffer body) {
        boolean stats = rest.endsWith("/stats");
        String name = URLDecoder.decode(stats ? rest.substring(0, rest.length() - "/stats".length()) : rest,
                StandardCharsets.UTF_8);
        HttpMethod m = req.method();
        if (name.isEmpty() || name.contains("/")) {
            sendJson(req, null, 404, chaosError(404, "unknown chaos path '" + req.path() + "'", "not_found"));
        } else if (stats && m.equals(HttpMethod.GET)) {
            sendJson(req, null, 200, ChaosJson.toJson(chaos.stats(name)));
        } else if (stats && m.equals(HttpMethod.DELETE)) {
            chaos.resetStats(name);
            req.response().setStatusCode(204).end();
        } else if (!stats && m.equals(HttpMethod.PUT)) {
            try {
                ChaosFaults f = ChaosJson.parse(body.toString(StandardCharsets.UTF_8));
                chaos.setFaults(name, f);
                sendJson(req, null, 200, ChaosJson.toJson(f));
            } catch (SimRequestException e) {
                sendJson(req, null, 400, chaosError(400, e.getMessage(), "invalid_chaos"));
            }
        } else if (!stats && m.equals(HttpMethod.GET)) {
            sendJson(req, null, 200, ChaosJson.toJson(chaos.faults(name)));
        } else if (!stats && m.equals(HttpMethod.DELETE)) {
            chaos.clearFaults(name);
            req.response().setStatusCode(204).end();
        } else {
            sendJson(req, null, 405, chaosError(405, "method " + m + " not allowed on '" + req.path() + "'",
                    "method_not_allowed"));
        }
    }

    private static JsonNode chaosError(int status, String message, String code) {
        ObjectNode o = WireJson.MAPPER.createObjectNode();
        o.putObject("error").put("message", message).put("type", "invalid_request_error").put("code", code);
        return o;
    }
}
