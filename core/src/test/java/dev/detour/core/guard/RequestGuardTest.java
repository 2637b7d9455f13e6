package dev.detour.core.guard;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.WireBody;
import dev.detour.api.view.TargetView;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Input and whole-answer verdicts in order, narrowing, failing closed, and what the client's bytes become. */
class RequestGuardTest {

    static final ChatRequest REQUEST = ChatRequest.builder("r", List.of(Message.text("user", "my secret is 42"))).build();

    static ChatResponse answer(String text) {
        return new ChatResponse("id", "m", 1, List.of(new Choice(0, Message.assistant(text, List.of()),
                FinishReason.STOP)), null, null);
    }

    /** A check that judges inputs and answers with the given functions. */
    static GuardrailCheck check(Function<ChatRequest, Future<GuardrailVerdict<ChatRequest>>> in,
                                Function<ChatResponse, Future<GuardrailVerdict<ChatResponse>>> out) {
        return new GuardrailCheck() {
            @Override
            public Future<GuardrailVerdict<ChatRequest>> input(ChatRequest request) {
                return in.apply(request);
            }

            @Override
            public Future<GuardrailVerdict<ChatResponse>> output(ChatResponse response) {
                return out.apply(response);
            }
        };
    }

    static RequestGuard guard(GuardrailCheck... checks) {
        List<RouteGuards.Configured> cs = new ArrayList<>();
        for (int i = 0; i < checks.length; i++) {
            GuardrailCheck c = checks[i];
            cs.add(new RouteGuards.Configured("g" + i, ctx -> c, true, true));
        }
        return RouteGuards.of(cs).open(null);
    }

    static ChatRequest redacted(ChatRequest r) {
        return r.toBuilder().messages(List.of(Message.text("user", "my secret is [N]"))).build();
    }

    static TargetView target(String category) {
        return (TargetView) java.lang.reflect.Proxy.newProxyInstance(TargetView.class.getClassLoader(),
                new Class<?>[] {TargetView.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "category" -> category;
                    case "id" -> "p/" + category;
                    default -> null;
                });
    }

    @Test
    void verdicts_apply_in_order_each_seeing_what_the_one_before_let_through_even_when_late() {
        Promise<GuardrailVerdict<ChatRequest>> late = Promise.promise();
        List<String> seen = new ArrayList<>();
        RequestGuard g = guard(
                check(r -> late.future(), null),
                check(r -> {
                    seen.add(r.messages().get(0).text());
                    return Future.succeededFuture(GuardrailVerdict.narrow(t -> t.category().equals("self-hosted"),
                            "g1:route_to"));
                }, null));
        Future<ChatRequest> out = g.input(REQUEST);
        assertFalse(out.isComplete(), "waits for the first guardrail's verdict");
        assertTrue(seen.isEmpty(), "the second waits for the first");
        late.complete(GuardrailVerdict.replace(redacted(REQUEST), "g0:redacted"));
        assertTrue(out.succeeded());
        assertEquals("my secret is [N]", out.result().messages().get(0).text());
        assertEquals(List.of("my secret is [N]"), seen);
        assertEquals("g0:redacted, g1:route_to", g.header());
        assertTrue(g.rewrote());
        assertNull(g.refusal(target("self-hosted")));
        assertEquals("not allowed by guardrail 'g1' (g1:route_to)", g.refusal(target("closed")));
    }

    @Test
    void a_replaced_request_never_forwards_the_clients_bytes() {
        WireBody body = new WireBody(WireBody.OPENAI, "{}".getBytes(StandardCharsets.UTF_8));
        assertSame(body, RequestGuard.inbound(null, body), "no guardrails: the bytes go as they came");
        RequestGuard allow = guard(check(r -> Future.succeededFuture(GuardrailVerdict.allow()), null));
        allow.input(REQUEST);
        assertSame(body, RequestGuard.inbound(allow, body));
        RequestGuard redact = guard(check(r -> Future.succeededFuture(GuardrailVerdict.replace(redacted(r),
                "g0:redacted")), null));
        redact.input(REQUEST);
        assertNull(RequestGuard.inbound(redact, body));
    }

    @Test
    void a_denial_names_the_guardrail_and_its_reason_and_a_failing_guardrail_fails_closed() {
        RequestGuard denied = guard(check(r -> Future.succeededFuture(GuardrailVerdict.deny("g0:denied (secret)")),
                null));
        RequestGuard.Refusal r = (RequestGuard.Refusal) denied.input(REQUEST).cause();
        assertEquals(400, r.status());
        assertEquals("guardrail_denied", r.code());
        assertEquals("guardrail 'g0' denied the request: g0:denied (secret)", r.getMessage());

        RequestGuard broken = guard(check(x -> {
            throw new IllegalStateException("boom on my secret is 42");
        }, null));
        RequestGuard.Refusal f = (RequestGuard.Refusal) broken.input(REQUEST).cause();
        assertEquals(500, f.status());
        assertEquals("guardrail_error", f.code());
        assertFalse(f.getMessage().contains("42"), "a failure's message is not echoed: " + f.getMessage());
    }

    /** Records what the judging does to the attempt's answer bytes. */
    static final class RecordingCall implements Call {
        boolean withdrawn;

        @Override public TargetView target() { return null; }
        @Override public String requestId() { return "r"; }
        @Override public java.time.Duration connectTimeout() { return null; }
        @Override public java.time.Duration idleTimeout() { return null; }
        @Override public void onCancel(java.util.function.Consumer<ProviderException> handler) { }
        @Override public boolean cancelled() { return false; }

        @Override
        public void answerWire(WireBody body) {
            withdrawn = body == null;
        }
    }

    @Test
    void answers_are_replaced_denied_or_fall_back() {
        RecordingCall call = new RecordingCall();
        RequestGuard replacing = guard(check(r -> Future.succeededFuture(GuardrailVerdict.allow()),
                a -> Future.succeededFuture(GuardrailVerdict.replace(answer("[N] restored"), "g0:restored"))));
        Future<ChatResponse> out = replacing.judge(Future.succeededFuture(answer("[N]")), null, call);
        assertEquals("[N] restored", out.result().text());
        assertTrue(call.withdrawn, "the upstream's bytes of the answer are withdrawn");
        assertEquals("g0:restored", replacing.header());

        RecordingCall untouched = new RecordingCall();
        RequestGuard allowing = guard(check(null, a -> Future.succeededFuture(GuardrailVerdict.allow())));
        allowing.judge(Future.succeededFuture(answer("fine")), null, untouched);
        assertFalse(untouched.withdrawn);

        ProviderException denied = (ProviderException) guard(check(null,
                a -> Future.succeededFuture(GuardrailVerdict.deny("g0:denied")))).judge(
                Future.succeededFuture(answer("x")), null, call).cause();
        assertEquals(ErrorKind.INVALID_REQUEST, denied.kind(), "a client error: returned as 400, no fallback");
        assertEquals(0, denied.status());
        assertTrue(RequestGuard.refused(denied));

        ProviderException fellBack = (ProviderException) guard(check(null,
                a -> Future.succeededFuture(GuardrailVerdict.fallBack("g0:mismatch")))).judge(
                Future.succeededFuture(answer("x")), null, call).cause();
        assertEquals(ErrorKind.DEGRADED, fellBack.kind(), "degraded: the next target is tried");
        assertTrue(fellBack.kind().alwaysFallsBack());
        assertEquals("guardrail 'g0' refused the answer: g0:mismatch", fellBack.getMessage());
    }
}
