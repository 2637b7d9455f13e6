package ${package};

#if( $kind == "routing" )
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts the targets of one provider first, keeping the route's order otherwise. Core calls
 * {@link #plan} on the event loop for every request: keep it fast and non-blocking; core skips
 * targets whose breaker is open and applies retries and fallback along the returned order.
 */
final class ${name} implements RoutingStrategy {
    private final String prefer;

    ${name}(${name}Options options) {
        this.prefer = options.prefer();
    }

    @Override
    public List<TargetView> plan(RequestContext request, List<TargetView> candidates) {
        List<TargetView> plan = new ArrayList<>(candidates.size());
        for (TargetView t : candidates) {
            if (t.provider().equals(prefer)) {
                plan.add(t);
            }
        }
        for (TargetView t : candidates) {
            if (!t.provider().equals(prefer)) {
                plan.add(t);
            }
        }
        return plan;
    }
}
#elseif( $kind == "detector" )
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.Locale;

/**
 * Judges a target unusable while its answers contain a word (a refusal such as "sorry"), and fine
 * again once an answer does not. Core calls {@link #observe} on the event loop after every
 * attempt: keep it fast; core combines the signals of all detectors into the target's health.
 */
final class ${name} implements QualityDetector {
    private final String word;

    ${name}(${name}Options options) {
        this.word = options.word().toLowerCase(Locale.ROOT);
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        if (!attempt.success()) {
            return null;   // failures are the errors detector's business
        }
        boolean hit = attempt.text().toLowerCase(Locale.ROOT).contains(word);
        return new Signal("${type}", attempt.target().id(), hit ? 1.0 : 0.0,
                hit ? "answer contains '" + word + "'" : "answers look fine");
    }
}
#elseif( $kind == "guardrail" )
import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;
import dev.detour.api.view.RequestContext;
import io.vertx.core.Future;

import java.util.Locale;

/**
 * Denies a chat request whose messages mention a word. One stateless check serves every request;
 * a guardrail that keeps per-request state opens a new check in {@link #open} instead.
 */
final class ${name} implements Guardrail, GuardrailCheck {
    private final String word;

    ${name}(${name}Options options) {
        this.word = options.word().toLowerCase(Locale.ROOT);
    }

    @Override
    public GuardrailCheck open(RequestContext context) {
        return this;
    }

    @Override
    public Future<GuardrailVerdict<ChatRequest>> input(ChatRequest request) {
        for (Message m : request.messages()) {
            String text = m.text();
            if (text != null && text.toLowerCase(Locale.ROOT).contains(word)) {
                return Future.succeededFuture(GuardrailVerdict.deny("the request mentions '" + word + "'"));
            }
        }
        return Future.succeededFuture(GuardrailVerdict.allow());
    }
}
#elseif( $kind == "cache" )
import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Message;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exact in-memory cache keyed by the namespace, the model and the messages' text, keeping the
 * newest {@code max_entries} answers. Core calls it on the event loop: no blocking, no locks
 * needed while one event loop serves the route (this one synchronizes to stay safe anyway).
 */
final class ${name} implements ResponseCache {
    private record Entry(ChatResponse response, String target, long storedAt, long freshUntil, long staleUntil) {
    }

    private final CacheContext context;
    private final Map<String, Entry> entries;

    ${name}(${name}Options options, CacheContext context) {
        this.context = context;
        int max = options.maxEntries();
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > max;
            }
        };
    }

    static String key(String namespace, ChatRequest request) {
        StringBuilder k = new StringBuilder(namespace).append('\u0000').append(request.model());
        for (Message m : request.messages()) {
            k.append('\u0000').append(m.role()).append(':').append(m.text());
        }
        return k.toString();
    }

    @Override
    public synchronized Future<CachedResponse<ChatResponse>> get(String namespace, ChatRequest request, boolean includeStale) {
        Entry e = entries.get(key(namespace, request));
        long now = context.clock().now().toEpochMilli();
        if (e == null || now > e.staleUntil() || (!includeStale && now > e.freshUntil())) {
            return Future.succeededFuture();
        }
        return Future.succeededFuture(new CachedResponse<>(e.response(), e.target(), e.storedAt(), now > e.freshUntil(), 1.0));
    }

    @Override
    public synchronized Future<Void> put(String namespace, ChatRequest request, ChatResponse response, String target,
                                         Duration ttl, Duration maxStale) {
        long now = context.clock().now().toEpochMilli();
        entries.put(key(namespace, request), new Entry(response, target, now, now + ttl.toMillis(),
                now + ttl.toMillis() + maxStale.toMillis()));
        return Future.succeededFuture();
    }
}
#elseif( $kind == "provider" )
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.wire.http.ErrorBodies;
import dev.detour.wire.http.ErrorKinds;
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.openai.OpenAiCompatibleClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/**
 * An adapter for an OpenAI-like API: {@code POST {base_url}/chat/completions} in OpenAI's wire
 * format, with the key in a header of its own. The wire kit's {@link OpenAiCompatibleClient} does
 * the HTTP, streaming and cancellation; this class only says where and how to authenticate, and
 * how the API's errors map to Detour's error kinds (which decide retry and fallback).
 */
final class ${name} implements ProviderAdapter {
    private final OpenAiCompatibleClient client;
    private final String chatUri;

    ${name}(${name}Options options, ProviderContext context) {
        HttpEndpoint endpoint = HttpEndpoint.parse(context.baseUrlOr("http://127.0.0.1:8000/v1"));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().set("content-type", "application/json");
        if (context.apiKey() != null && !context.apiKey().isEmpty()) {
            headers.set(options.keyHeader(), options.keyHeader().equals("authorization")
                    ? "Bearer " + context.apiKey() : context.apiKey());
        }
        context.headers().forEach(headers::set);
        this.client = OpenAiCompatibleClient.builder(context, endpoint).headers(headers)
                .errors((status, h, body, now) -> new ProviderException(ErrorKinds.ofStatus(status), status,
                                "${type} answered " + status + ": " + ErrorBodies.excerpt(body, ErrorBodies.EXCERPT)),
                        error -> new ProviderException(ErrorKind.SERVER_ERROR, 0,
                                "${type} stream error: " + error.path("error").path("message").asText("unknown")))
                .build();
        this.chatUri = endpoint.uri("/chat/completions");
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        return client.chat(chatUri, request, call);
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        return client.stream(chatUri, request, call, sink);
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }
}
#end
