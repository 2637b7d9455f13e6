package dev.detour.it;

import dev.detour.core.boot.Detour;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static dev.detour.it.Harness.await;

/**
 * The set-up of ITs that route between two fake OpenAI upstreams, {@code primary} and
 * {@code backup}: each test starts both on a fresh Vert.x and its own gateway ({@code gw}), and
 * everything is stopped after it.
 */
abstract class TwoUpstreams {
    Vertx vertx;
    FakeUpstream primary;
    FakeUpstream backup;
    Detour gw;

    @BeforeEach
    void upstreams() {
        vertx = Detour.newVertx();
        primary = await(new FakeUpstream(vertx, "primary").start());
        backup = await(new FakeUpstream(vertx, "backup").start());
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        primary.close();
        backup.close();
        await(vertx.close());
    }
}
