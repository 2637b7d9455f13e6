package dev.detour.api.cache;

import dev.detour.api.Clock;
import io.vertx.core.Vertx;

/**
 * What core hands a cache factory.
 *
 * @param routeName the route the cache serves
 * @param vertx     the gateway's Vert.x
 * @param clock     the time source
 */
public record CacheContext(String routeName, Vertx vertx, Clock clock) {
}
