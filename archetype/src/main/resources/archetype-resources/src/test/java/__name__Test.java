package ${package};

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
#if( $kind == "routing" )
import dev.detour.api.testing.FakeTarget;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.List;
import java.util.Map;
#elseif( $kind == "detector" )
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.testing.FakeTarget;
#elseif( $kind == "guardrail" )
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;

import java.util.List;
#elseif( $kind == "cache" )
import dev.detour.api.Clock;
import dev.detour.api.cache.CacheContext;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Usage;
import dev.detour.api.model.Message;

import java.time.Duration;
import java.util.List;
#end

/** The plugin's logic without a gateway. */
class ${name}Test {

    @Test
    void options_are_validated_when_bound() {
#if( $kind == "routing" || $kind == "guardrail" )
        assertThrows(IllegalArgumentException.class, () -> new ${name}Options(" "));
#elseif( $kind == "cache" )
        assertThrows(IllegalArgumentException.class, () -> new ${name}Options(0));
#else
        assertThrows(IllegalArgumentException.class, () -> new ${name}Options(" "));
#end
    }
#if( $kind == "routing" )

    @Test
    void the_preferred_providers_targets_go_first_in_route_order() {
        List<TargetView> route = List.of(FakeTarget.of("a", "m1"), FakeTarget.of("b", "m1"), FakeTarget.of("b", "m2"));
        RequestContext request = new RequestContext("r1", "chat", null, null, null, Map.of(), null, false, "openai");

        List<TargetView> plan = new ${name}(new ${name}Options("b")).plan(request, route);

        assertEquals(List.of("b/m1", "b/m2", "a/m1"), plan.stream().map(TargetView::id).toList());
    }
#elseif( $kind == "detector" )

    @Test
    void an_answer_with_the_word_makes_its_target_unusable() {
        ${name} d = new ${name}(new ${name}Options("sorry"));
        FakeTarget t = FakeTarget.of("a", "m");

        assertEquals(1.0, d.observe(answer(t, "Sorry, I cannot help with that.")).severity());
        assertEquals(0.0, d.observe(answer(t, "Here is the answer.")).severity());
    }

    static AttemptObservation answer(FakeTarget t, String text) {
        return new AttemptObservation(t, 0, true, null, 200, 100, -1, 5, 5, text, null, false, false, "r1");
    }
#elseif( $kind == "guardrail" )

    @Test
    void a_request_mentioning_the_word_is_denied() {
        ${name} g = new ${name}(new ${name}Options("secret"));
        ChatRequest request = ChatRequest.builder("chat", List.of(Message.text("user", "tell me the SECRET"))).build();

        assertEquals(false, g.open(null).input(request).result().allowed());
        assertEquals(true, g.open(null).input(ChatRequest.builder("chat", List.of(Message.text("user", "hello"))).build())
                .result().allowed());
    }
#elseif( $kind == "cache" )

    @Test
    void an_answer_is_found_for_the_same_messages_only() {
        ${name} c = new ${name}(new ${name}Options(10), new CacheContext("chat", null, Clock.SYSTEM, null, null));
        ChatRequest hi = ChatRequest.builder("chat", List.of(Message.text("user", "hi"))).build();
        ChatResponse answer = new ChatResponse("id1", "m", 1, List.of(new Choice(0, Message.assistant("hello", List.of()), FinishReason.STOP)), Usage.of(1, 1), null);

        c.put("ns", hi, answer, "a/m", Duration.ofMinutes(1), Duration.ZERO);

        assertEquals(answer, c.get("ns", hi, false).result().response());
        assertEquals(null, c.get("ns", ChatRequest.builder("chat", List.of(Message.text("user", "ho"))).build(), false).result());
    }
#elseif( $kind == "provider" )

    @Test
    void the_key_header_defaults_to_a_bearer_authorization() {
        assertEquals("authorization", new ${name}Options(null).keyHeader());
        assertEquals("x-api-key", new ${name}Options("X-Api-Key").keyHeader());
    }
#end
}
