package dev.detour.sample.sticky;

import dev.detour.testkit.TestGateway;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The strategy inside a real gateway: a user stays on one target, and moves only when it fails. */
class StickyGatewayTest {

    @Test
    void a_user_stays_on_one_target_and_moves_only_while_it_fails() {
        try (TestGateway gw = TestGateway.start("""
                routes: { chat: { strategy: { type: sticky, key: user }, targets: [ { provider: a, model: m }, { provider: b, model: m } ] } }
                """, "a", "b")) {
            Map<String, String> alice = Map.of("x-detour-metadata", "{\"user\":\"alice\"}");
            String home = gw.chat("chat", "hi", alice).target();
            for (int i = 0; i < 5; i++) {
                assertEquals(home, gw.chat("chat", "hi", alice).target());
            }
            String homeUpstream = home.substring(0, home.indexOf('/'));
            gw.upstream(homeUpstream).fail(503);
            TestGateway.Reply moved = gw.chat("chat", "hi", alice);
            assertEquals(200, moved.status(), moved.body());
            assertEquals(homeUpstream.equals("a") ? "b/m" : "a/m", moved.target());
        }
    }
}
