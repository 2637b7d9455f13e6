package dev.detour.api.guardrail;

import dev.detour.api.Clock;
import io.vertx.core.Vertx;

/**
 * What core hands a guardrail factory, once per route that configures the guardrail.
 *
 * @param routeName the route the guardrail guards
 * @param vertx     the gateway's Vert.x: for HTTP clients and timers, and for costly checks on a
 *                  worker with a deadline ({@code executeBlocking}), never on the event loop
 * @param clock     the time source
 */
public record GuardrailContext(String routeName, Vertx vertx, Clock clock) {
}
