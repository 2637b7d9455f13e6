package dev.detour.plugin.simulator;

import dev.detour.wire.http.WireJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.function.Consumer;

/** Starts a simulator on a free port before each test, with a client pointed at it. */
@ExtendWith(VertxExtension.class)
abstract class SimulatorTestBase {

    protected Vertx vertx;
    protected SimulatorServer sim;
    protected SimHttp http;

    protected SimulatorOptions options() {
        return SimulatorOptions.ephemeral(7L);
    }

    @BeforeEach
    void startSimulator(Vertx vertx, VertxTestContext ctx) {
        this.vertx = vertx;
        sim = SimulatorServer.create(vertx, options());
        sim.listen().onComplete(ctx.succeeding(port -> {
            http = new SimHttp(vertx, port);
            ctx.completeNow();
        }));
    }

    @AfterEach
    void stopSimulator(VertxTestContext ctx) {
        sim.close().onComplete(ctx.succeedingThenComplete());
    }

    /** Runs {@code check} on the value inside ctx.verify and completes the test. */
    protected static <T> void verify(Future<T> f, VertxTestContext ctx, Consumer<T> check) {
        f.onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            check.accept(v);
            ctx.completeNow();
        })));
    }

    protected static String openAiChat(String user, String... extra) {
        StringBuilder sb = new StringBuilder("{\"model\":\"sim-chat\",\"messages\":[{\"role\":\"user\",\"content\":")
                .append(quote(user)).append("}]");
        for (String e : extra) {
            sb.append(',').append(e);
        }
        return sb.append('}').toString();
    }

    protected static String anthropicMessage(String user, String... extra) {
        StringBuilder sb = new StringBuilder("{\"model\":\"claude-sim\",\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":")
                .append(quote(user)).append("}]");
        for (String e : extra) {
            sb.append(',').append(e);
        }
        return sb.append('}').toString();
    }

    protected static String geminiRequest(String user, String... extra) {
        StringBuilder sb = new StringBuilder("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":")
                .append(quote(user)).append("}]}]");
        for (String e : extra) {
            sb.append(',').append(e);
        }
        return sb.append('}').toString();
    }

    protected static String quote(String s) {
        return WireJson.MAPPER.getNodeFactory().textNode(s).toString();
    }

    protected static final String WEATHER_PARAMS = "{\"type\":\"object\",\"properties\":{"
            + "\"location\":{\"type\":\"string\",\"description\":\"City\"},"
            + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]},"
            + "\"days\":{\"type\":\"integer\"}},\"required\":[\"location\"]}";
}
